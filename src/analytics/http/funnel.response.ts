import { ApiProperty } from '@nestjs/swagger';

class FunnelStep {
  @ApiProperty({ example: 'activate' }) event_type: string;
  @ApiProperty({ description: 'Users who reached this step (and every one before it) in order' })
  users: number;
  @ApiProperty({ description: 'users / users of step 1, four decimals; 0 when step 1 has none' })
  conversion_from_first: number;
  @ApiProperty({
    description: 'users / users of the step before, four decimals; step 1 against itself',
  })
  conversion_from_previous: number;
}

export class FunnelResponse {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty() window_seconds: number;
  @ApiProperty({ type: [FunnelStep] }) steps: FunnelStep[];
}
