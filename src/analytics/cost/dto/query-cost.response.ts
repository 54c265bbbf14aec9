import { ApiProperty } from '@nestjs/swagger';
import type { QueryCost } from '../query-cost.entity';

export class QueryCostResponse {
  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  at: string;

  @ApiProperty({ example: 'summary' })
  kind: string;

  @ApiProperty({ example: '/v1/analytics/summary' })
  route: string;

  @ApiProperty({ enum: ['clickhouse', 'postgres'] })
  store: string;

  @ApiProperty({ example: 12.5 })
  duration_ms: number;

  @ApiProperty({ example: 120000 })
  rows_read: number;

  @ApiProperty({ example: 3400000 })
  bytes_read: number;

  @ApiProperty({ example: 0.120000125, description: 'Estimated US dollars' })
  estimated_cost: number;

  static from(row: QueryCost): QueryCostResponse {
    return {
      at: row.at.toISOString(),
      kind: row.kind,
      route: row.route,
      store: row.store,
      duration_ms: Number(row.durationMs),
      rows_read: Number(row.rowsRead),
      bytes_read: Number(row.bytesRead),
      estimated_cost: Number(row.cost),
    };
  }
}

export class QueryCostPageResponse {
  @ApiProperty({ type: [QueryCostResponse] })
  data: QueryCostResponse[];

  @ApiProperty()
  total: number;

  @ApiProperty()
  page: number;

  @ApiProperty()
  limit: number;

  @ApiProperty({
    example: 1.25,
    description: 'Estimated US dollars of every query matching the filters, all pages',
  })
  total_cost: number;
}
