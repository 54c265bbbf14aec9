import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class ListPlansQuery {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: every version of every plan; otherwise the current version of each',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'all must be true or false' })
  all?: 'true' | 'false';
}
