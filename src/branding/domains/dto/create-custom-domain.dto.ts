import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CreateCustomDomainDto {
  @ApiProperty({
    description:
      'A DNS name the tenant controls, such as analytics.customer.com; stored lowercase, ' +
      'internationalised names as punycode. Not an IP address, not the platform domain or a ' +
      'name under it.',
    example: 'analytics.customer.com',
    maxLength: 253,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(253)
  hostname: string;
}
