import { ApiProperty } from '@nestjs/swagger';
import { PlanTermsResponse } from '../../../billing/plans/dto/plan.response';
import { OVER_QUOTA_POLICIES } from '../../../billing/plans/plan-terms';
import { TENANT_STATUSES, TENANT_TIERS } from '../../../tenancy/tenant.entity';

const COUNT = { type: 'integer' as const, minimum: 0 };

class DeadLetterCountsResponse {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'UTC days counted, today included' })
  days: number;
  @ApiProperty(COUNT) total: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: COUNT,
    example: { invalid_event: 12, quota_exceeded: 3 },
    description: 'Dead letters naming the tenant, by reason (reasons with none left out)',
  })
  by_reason: Record<string, number>;
}

class IntakeResponse {
  @ApiProperty({
    type: 'number',
    minimum: 0,
    description: 'Events accepted per second over the intake window (INGEST_OVERFLOW_WINDOW_SECONDS)',
  })
  events_per_second_now: number;
  @ApiProperty({
    description:
      "Hot: the tenant's events go to the overflow topic (without Kafka: would go, nothing is rerouted)",
  })
  overflowing: boolean;
  @ApiProperty({
    type: 'number',
    minimum: 0,
    nullable: true,
    description: "The rate that makes the tenant hot (its tier's threshold); null when overflow is off for it",
  })
  overflow_threshold_events_per_second: number | null;
}

class QueryLatencyResponse {
  @ApiProperty({ type: 'integer', minimum: 1 }) window_minutes: number;
  @ApiProperty({ ...COUNT, description: 'Analytics queries answered in the window' })
  queries: number;
  @ApiProperty({
    type: 'number',
    minimum: 0,
    nullable: true,
    description: '95th percentile of their duration (query cost log); null without queries',
  })
  p95_ms: number | null;
}

class LagShareResponse {
  @ApiProperty() group: string;
  @ApiProperty() topic: string;
  @ApiProperty({ ...COUNT, description: "The partition the tenant's events are keyed to" })
  partition: number;
  @ApiProperty({ ...COUNT, description: 'Messages of that partition the group has not consumed' })
  partition_lag: number;
  @ApiProperty({ ...COUNT, description: 'The group’s lag over every partition' })
  group_lag: number;
  @ApiProperty({
    type: 'number',
    minimum: 0,
    maximum: 1,
    description:
      "The tenant's share of today's accepted events among the tenants keyed to its partition",
  })
  intake_share: number;
  @ApiProperty({
    ...COUNT,
    nullable: true,
    description:
      'While the tenant overflows (intake.overflowing): the overflow consumer group’s lag over the overflow topic, where its events wait then (that topic holds hot tenants’ events only); null when it does not overflow',
  })
  overflow_lag: number | null;
  @ApiProperty({
    ...COUNT,
    description:
      'Estimated messages of the backlog that are the tenant’s: partition_lag × intake_share, plus overflow_lag while it overflows',
  })
  estimated_backlog: number;
}

class MonthlyEventsResponse {
  @ApiProperty(COUNT) used: number;
  @ApiProperty(COUNT) quota: number;
  @ApiProperty({ enum: OVER_QUOTA_POLICIES }) over_quota: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) resets_at: string;
}

class TenantLimitsResponse {
  @ApiProperty({
    type: PlanTermsResponse,
    description: 'The effective terms (plan version with overrides): every limit they hold',
  })
  terms: PlanTermsResponse;
  @ApiProperty(COUNT) api_requests_per_minute: number;
  @ApiProperty({ type: MonthlyEventsResponse }) events_this_month: MonthlyEventsResponse;
}

/** GET /admin/tenants/{id}/health. */
export class TenantHealthResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ enum: TENANT_STATUSES }) status: string;
  @ApiProperty({ enum: TENANT_TIERS }) tier: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) at: string;
  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description:
      'When events of the tenant were last accepted (usage meter, within 2 s); null: never',
  })
  last_event_at: string | null;
  @ApiProperty({
    type: IntakeResponse,
    nullable: true,
    description: 'null when the intake window did not answer',
  })
  intake: IntakeResponse | null;
  @ApiProperty({
    type: DeadLetterCountsResponse,
    nullable: true,
    description: 'null when the counts are unavailable (no Redis configured, or it did not answer)',
  })
  dead_letters: DeadLetterCountsResponse | null;
  @ApiProperty({ type: QueryLatencyResponse }) queries: QueryLatencyResponse;
  @ApiProperty({
    type: LagShareResponse,
    nullable: true,
    description:
      'null without Kafka (events written in-process), or when the broker did not answer',
  })
  lag: LagShareResponse | null;
  @ApiProperty({ type: TenantLimitsResponse }) limits: TenantLimitsResponse;
}
