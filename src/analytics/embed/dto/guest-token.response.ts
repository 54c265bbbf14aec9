import { ApiProperty } from '@nestjs/swagger';

export class GuestTokenResponse {
  @ApiProperty({ description: 'JWT, audience embed, valid 5 minutes, for this dashboard only' })
  token: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ example: 'https://tenantry.example/embed/dashboards/…?token=…' })
  embed_url: string;
}
