import { ApiProperty } from '@nestjs/swagger';

export class MetricWithPrevious {
  @ApiProperty() value: number;
  @ApiProperty({ description: 'The same metric over the period of equal length just before' })
  previous: number;
}

class Period {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
}

class SummaryMetrics {
  @ApiProperty({ type: MetricWithPrevious }) events: MetricWithPrevious;
  @ApiProperty({ type: MetricWithPrevious, description: 'Distinct non-empty user_id' })
  users: MetricWithPrevious;
  @ApiProperty({ type: MetricWithPrevious, description: 'Distinct non-empty session_id' })
  sessions: MetricWithPrevious;
  @ApiProperty({ type: MetricWithPrevious, description: 'events / users, two decimals' })
  events_per_user: MetricWithPrevious;
}

export class SummaryResponse {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone: string;
  @ApiProperty({
    type: Period,
    description:
      "The same length just before `from`, but never before the plan's retention: shorter (or empty) when it would reach past it",
  })
  previous_period: Period;
  @ApiProperty({ type: SummaryMetrics }) metrics: SummaryMetrics;
}
