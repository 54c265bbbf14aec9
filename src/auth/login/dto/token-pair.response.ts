import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TokenPairResponse {
  @ApiProperty({ description: 'JWT for the API, 15 minutes' }) access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 900 }) expires_in: number;
  @ApiPropertyOptional({
    description:
      'Opaque, 30 days, single use: each refresh returns a new one. Left out when it went into the refresh cookie',
  })
  refresh_token?: string;
  @ApiProperty({ example: 2592000 }) refresh_expires_in: number;
}
