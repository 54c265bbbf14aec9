import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MOVE_STATES, type TenantMoveRow } from '../tenant-move';

export class TableChecksumResponse {
  @ApiProperty({ minimum: 0 }) count: number;
  @ApiProperty({ description: 'sum(hashtextextended(row::text, 0)) over the rows, as a decimal' })
  sum: string;
}

export class TableCheckResponse {
  @ApiProperty({ type: TableChecksumResponse }) source: TableChecksumResponse;
  @ApiProperty({ type: TableChecksumResponse }) target: TableChecksumResponse;
}

/** A tenant's move between placements, and how far it is. */
export class TenantMoveResponse {
  @ApiProperty({ format: 'uuid' }) move_id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ enum: MOVE_STATES }) state: string;
  @ApiProperty({ format: 'uuid' }) from_placement: string;
  @ApiProperty({ format: 'uuid' }) to_placement: string;
  @ApiProperty({
    description: 'Rows copied per table by the snapshot copy',
    type: 'object',
    additionalProperties: { type: 'integer' },
  })
  rows_copied: Record<string, number>;
  @ApiProperty({
    description: 'Per table: count and checksum on both sides, taken under the hold',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/TableCheckResponse' },
  })
  checks: Record<string, TableCheckResponse>;
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    description: 'How long the tenant’s writes were held (ms)',
  })
  hold_ms: number | null;
  @ApiProperty({ minimum: 0 }) attempts: number;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'Why it stopped' })
  error: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true })
  finished_at: string | null;

  static of(row: TenantMoveRow): TenantMoveResponse {
    return {
      move_id: row.id,
      tenant_id: row.moved_tenant_id,
      state: row.state,
      from_placement: row.from_placement,
      to_placement: row.to_placement,
      rows_copied: row.snapshot.tables ?? {},
      checks: row.checks,
      hold_ms: row.hold_ms,
      attempts: row.attempts,
      error: row.error,
      created_at: new Date(row.created_at).toISOString(),
      finished_at: row.finished_at ? new Date(row.finished_at).toISOString() : null,
    };
  }
}
