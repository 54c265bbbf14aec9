import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../../common/pagination';
import { IsRfc3339Timestamp } from '../../../common/rfc3339';
import { QUERY_KIND_MULTIPLIER, type QueryKind } from '../query-cost-model';

export const QUERY_KINDS = Object.keys(QUERY_KIND_MULTIPLIER) as QueryKind[];

export class ListQueryCostsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'From (inclusive), RFC 3339' })
  @IsOptional()
  @IsRfc3339Timestamp()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'To (exclusive), RFC 3339' })
  @IsOptional()
  @IsRfc3339Timestamp()
  to?: string;

  @ApiPropertyOptional({ enum: QUERY_KINDS, description: 'Only this kind of query' })
  @IsOptional()
  @IsIn(QUERY_KINDS, { message: `kind must be one of ${QUERY_KINDS.join(', ')}` })
  kind?: QueryKind;
}
