import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class AdminInvoicesQuery {
  @ApiProperty({
    description: 'The billing period, a calendar month (UTC), between 2000-01 and 2100-12',
    example: '2026-03',
    pattern: '^(20\\d\\d|2100)-(0[1-9]|1[0-2])$',
  })
  @IsString()
  @Matches(/^(20\d\d|2100)-(0[1-9]|1[0-2])$/, {
    message: 'period must be a month YYYY-MM between 2000-01 and 2100-12',
  })
  period: string;
}
