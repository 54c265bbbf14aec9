import { ApiProperty } from '@nestjs/swagger';

export class UsagePeriodResponse {
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z', description: 'First instant (UTC)' })
  start: string;

  @ApiProperty({
    example: '2026-12-01T00:00:00.000Z',
    description: 'First instant after the period (UTC): when the event quota resets',
  })
  end: string;
}

export class EventUsageResponse {
  @ApiProperty({
    description:
      'Events accepted at intake this month (POST /v1/events and direct Kafka producers): what ' +
      'the quota counts. A duplicate event_id sent again is accepted (and stored once)',
    example: 120000,
  })
  accepted: number;

  @ApiProperty({ description: 'Events written to the event store (re-deliveries included)' })
  stored: number;

  @ApiProperty({ description: 'Events refused by POST /v1/events (invalid, or past the quota)' })
  rejected: number;

  @ApiProperty({ description: 'Kafka messages or events sent to the dead-letter topic' })
  dead_lettered: number;

  @ApiProperty({ description: 'Events per calendar month (UTC) of the plan', example: 1000000 })
  limit: number;

  @ApiProperty({ description: 'Quota used, percent (may pass 100 on an overage plan)', example: 12 })
  percentage: number;

  @ApiProperty({
    enum: ['refuse', 'overage'],
    description: 'Past the quota: refused (starter) or accepted and billed as overage',
  })
  over_quota: string;

  @ApiProperty({ description: 'Events accepted past the quota this month (billed as overage)' })
  overage: number;
}

export class CountUsageResponse {
  @ApiProperty({ example: 3 })
  count: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'null: unlimited', example: 5 })
  limit: number | null;

  @ApiProperty({ type: 'number', nullable: true, description: 'null when unlimited', example: 60 })
  percentage: number | null;
}

export class StorageUsageResponse {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'Estimated bytes the tenant’s data takes in the stores, from the latest daily measurement ' +
      '(null until the first): per table, its size over its rows, times the tenant’s rows',
  })
  bytes: number | null;

  @ApiProperty({ type: 'string', format: 'date', nullable: true, example: '2026-11-29' })
  measured_on: string | null;

  @ApiProperty({ type: 'integer', description: 'The plan’s storage, in bytes (GB = 10^9)' })
  limit: number;

  @ApiProperty({ type: 'number', nullable: true, example: 0.4 })
  percentage: number | null;
}

export class QuotaWarningResponse {
  @ApiProperty({ enum: [80, 100], description: 'Percent of the monthly event quota' })
  threshold: number;

  @ApiProperty({ description: 'Whether this month’s accepted events have reached it' })
  reached: boolean;
}

export class UsageResponse {
  @ApiProperty({ example: 'starter' })
  plan: string;

  @ApiProperty({ type: UsagePeriodResponse })
  period: UsagePeriodResponse;

  @ApiProperty({ type: EventUsageResponse })
  events: EventUsageResponse;

  @ApiProperty({ type: StorageUsageResponse })
  storage: StorageUsageResponse;

  @ApiProperty({ type: CountUsageResponse, description: 'Users of the tenant' })
  users: CountUsageResponse;

  @ApiProperty({
    type: CountUsageResponse,
    description: 'Event sources: live API keys with events:write',
  })
  event_sources: CountUsageResponse;

  @ApiProperty({
    type: [QuotaWarningResponse],
    description:
      'The quota warnings (each is also written once to the audit log, action ' +
      '`usage.quota_warning`, the moment a request crosses it)',
  })
  warnings: QuotaWarningResponse[];
}

export class DailyUsageRowResponse {
  @ApiProperty({ format: 'date', example: '2026-11-29' })
  day: string;

  @ApiProperty()
  accepted: number;

  @ApiProperty()
  stored: number;

  @ApiProperty()
  rejected: number;

  @ApiProperty()
  dead_lettered: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Storage measured that day' })
  storage_bytes: number | null;
}

export class DailyUsageResponse {
  @ApiProperty({ format: 'date' })
  from: string;

  @ApiProperty({ format: 'date' })
  to: string;

  @ApiProperty({ type: [DailyUsageRowResponse], description: 'Days with usage, oldest first' })
  data: DailyUsageRowResponse[];
}
