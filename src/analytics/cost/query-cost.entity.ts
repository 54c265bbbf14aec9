import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One analytics query's cost: tenant-owned, append-only for the app (see migration 0011). */
@Entity({ name: 'query_costs' })
export class QueryCost {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'varchar', length: 64 })
  route: string;

  @Column({ type: 'varchar', length: 16 })
  store: 'clickhouse' | 'postgres';

  @Column({ name: 'duration_ms', type: 'numeric', precision: 12, scale: 3 })
  durationMs: string;

  @Column({ name: 'rows_read', type: 'bigint' })
  rowsRead: string;

  @Column({ name: 'bytes_read', type: 'bigint' })
  bytesRead: string;

  @Column({ type: 'numeric', precision: 18, scale: 9 })
  cost: string;
}
