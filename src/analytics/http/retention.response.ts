import { ApiProperty } from '@nestjs/swagger';
import { RETENTION_INTERVALS, type RetentionInterval } from '../query/retention';

class Cohort {
  @ApiProperty({
    format: 'date-time',
    description: 'Bucket start, a local midnight (a Monday for weeks) in the tenant’s timezone',
  })
  start: string;
  @ApiProperty({ description: 'Users whose first cohort event in the range fell in this bucket' })
  size: number;
  @ApiProperty({
    type: 'array',
    items: { type: 'integer', nullable: true },
    example: [120, 48, 31, null],
    description:
      'Index n: users of this cohort with a return event in the n-th bucket after it (0: the ' +
      'same bucket); null when that bucket starts at or after `to` (not observable yet)',
  })
  retained: (number | null)[];
}

export class RetentionResponse {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone: string;
  @ApiProperty({ enum: RETENTION_INTERVALS }) interval: RetentionInterval;
  @ApiProperty({ type: String, nullable: true, description: 'null: any event' })
  cohort_event: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'null: any event' })
  return_event: string | null;
  @ApiProperty({ description: 'The last period n in each row' }) periods: number;
  @ApiProperty({ type: [Cohort] }) cohorts: Cohort[];
}
