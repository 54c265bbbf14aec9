import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { toInteger } from '../../../common/pagination';
import { IsRfc3339Timestamp } from '../../../common/rfc3339';

export class CostAttributionQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'From (inclusive); default 30 days before `to`',
  })
  @IsOptional()
  @IsRfc3339Timestamp()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'To (exclusive); default now' })
  @IsOptional()
  @IsRfc3339Timestamp()
  to?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;
}
