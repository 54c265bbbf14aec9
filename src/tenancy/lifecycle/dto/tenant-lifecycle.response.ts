import { ApiProperty } from '@nestjs/swagger';
import type { PurgeState, Tenant } from '../../tenant.entity';
import { TenantResponse } from '../../dto/tenant.response';

interface PurgeStepResponse {
  removed: Record<string, number>;
  finished_at: string;
}

export class PurgeReportResponse {
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['removed', 'finished_at'],
      properties: {
        removed: {
          type: 'object',
          additionalProperties: { type: 'integer' },
          description: 'What the step removed: rows per table, keys, jobs, files',
        },
        finished_at: { type: 'string', format: 'date-time' },
      },
    },
    description:
      'Each step by name: jobs, clickhouse, postgres:<table>, postgres:sweep, hook:<name>, redis',
  })
  steps: Record<string, PurgeStepResponse>;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty() forced: boolean;
}

/** A tenant's lifecycle answer: the tenant with its purge report once purged. */
export class TenantLifecycleResponse extends TenantResponse {
  @ApiProperty({
    type: PurgeReportResponse,
    nullable: true,
    description: 'What the purge removed, per table and store (null until purged)',
  })
  purge_report: PurgeReportResponse | null;

  static of(tenant: Tenant): TenantLifecycleResponse {
    return { ...TenantResponse.from(tenant), purge_report: report(tenant.purgeReport) };
  }
}

function report(state: PurgeState | null): PurgeReportResponse | null {
  if (!state) return null;
  return {
    steps: state.steps,
    started_at: state.started_at ?? '',
    forced: state.forced ?? false,
  };
}
