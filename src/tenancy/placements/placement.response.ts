import { ApiProperty } from '@nestjs/swagger';

export class PlacementClickHouseResponse {
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'NULL: CLICKHOUSE_CLUSTER or the single server',
  })
  cluster: string | null;

  @ApiProperty() database: string;
}

/** One placement of GET /admin/placements: where it is, how many tenants, how big. */
export class PlacementResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'silo-1' }) name: string;
  @ApiProperty({ enum: ['pooled', 'siloed'] }) kind: string;
  @ApiProperty({ enum: ['active', 'draining', 'disabled'] }) status: string;
  @ApiProperty({ type: PlacementClickHouseResponse }) clickhouse: PlacementClickHouseResponse;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { active: 3, suspended: 1 },
    description: 'Its tenants by status (the control database counts them)',
  })
  tenants: Record<string, number>;

  @ApiProperty({ description: 'Whether its database answered' }) reachable: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'pg_database_size of its database; null when unreachable',
  })
  database_bytes: number | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Why it is unreachable (the operator reads this: no secret is in it)',
  })
  error: string | null;
}

export class PlacementListResponse {
  @ApiProperty({ type: [PlacementResponse] }) data: PlacementResponse[];
}
