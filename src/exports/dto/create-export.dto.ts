import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsRfc3339Timestamp } from '../../common/rfc3339';
import { RFC3339_SCHEMA } from '../../openapi/schemas';

/**
 * What an export covers. `from` is required so a request states its range (send
 * 1970-01-01T00:00:00Z for everything); every table but the events is exported whole.
 */
export class CreateExportDto {
  @ApiProperty({
    ...RFC3339_SCHEMA,
    description: 'Events from (inclusive); 1970-01-01T00:00:00Z for all of them',
    example: '1970-01-01T00:00:00Z',
  })
  @IsRfc3339Timestamp()
  from: string;

  @ApiPropertyOptional({
    ...RFC3339_SCHEMA,
    description: 'Events to (exclusive), after `from`; default: the moment of the request',
  })
  @IsOptional()
  @IsRfc3339Timestamp()
  to?: string;
}
