import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class TlsAskQuery {
  @ApiProperty({
    description: 'The name a TLS handshake asked for (SNI), as the proxy passes it',
    example: 'analytics.customer.example',
    maxLength: 253,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(253)
  domain: string;
}
