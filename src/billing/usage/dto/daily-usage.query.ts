import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** GET /v1/usage/daily: a range of UTC days, both ends included, at most MAX_DAILY_RANGE_DAYS. */
export class DailyUsageQuery {
  @ApiPropertyOptional({
    format: 'date',
    example: '2026-11-01',
    description: 'First UTC day (inclusive); default the first day of the current month',
  })
  @IsOptional()
  @IsString()
  @Matches(DATE, { message: 'from must be a date, YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({
    format: 'date',
    example: '2026-11-30',
    description: 'Last UTC day (inclusive); default today. At most 366 days after `from`',
  })
  @IsOptional()
  @IsString()
  @Matches(DATE, { message: 'to must be a date, YYYY-MM-DD' })
  to?: string;
}
