import { ApiProperty } from '@nestjs/swagger';
import { INTERVALS } from '../query/buckets';
import { METRICS } from '../stores/analytics-store';

class Bucket {
  @ApiProperty({
    format: 'date-time',
    description: 'Bucket start, a local boundary in the tenant’s timezone',
  })
  start: string;
  @ApiProperty() value: number;
}

export class TimeseriesResponse {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone: string;
  @ApiProperty({ enum: METRICS }) metric: (typeof METRICS)[number];
  @ApiProperty({ enum: INTERVALS }) interval: (typeof INTERVALS)[number];
  @ApiProperty({ type: [Bucket] }) buckets: Bucket[];
}
