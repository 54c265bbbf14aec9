import { ApiProperty } from '@nestjs/swagger';

/** The proxy reads only the status; the body names the normalised name for a person reading logs. */
export class TlsAskResponse {
  @ApiProperty({ example: 'analytics.customer.example' }) domain: string;
}
