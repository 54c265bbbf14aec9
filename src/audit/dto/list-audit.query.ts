import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsRfc3339Timestamp } from '../../common/rfc3339';
import { PageQuery } from '../../common/pagination';

export class ListAuditQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'user.created', maxLength: 64, pattern: '^[a-z_.]+$' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z_.]+$/, { message: 'action must look like user.created' })
  action?: string;

  @ApiPropertyOptional({
    description: 'User id, API key id or platform admin subject',
    maxLength: 128,
    pattern: '^[A-Za-z0-9_:.@-]+$',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[\w:.@-]+$/, { message: 'actor_id has characters no actor id has' })
  actor_id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'From (inclusive), ISO 8601 with zone' })
  @IsOptional()
  @IsRfc3339Timestamp()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'To (exclusive), ISO 8601 with zone' })
  @IsOptional()
  @IsRfc3339Timestamp()
  to?: string;
}
