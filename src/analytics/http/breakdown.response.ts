import { ApiProperty } from '@nestjs/swagger';

class BreakdownValue {
  @ApiProperty({ example: 'DE' }) value: string;
  @ApiProperty() events: number;
  @ApiProperty({ description: 'Of all events the filter matches, four decimals', example: 0.4213 })
  share: number;
}

export class BreakdownResponse {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ example: 'property.country' }) dimension: string;
  @ApiProperty() total_events: number;
  @ApiProperty({ type: [BreakdownValue] }) rows: BreakdownValue[];
}
