import { Column, Entity, PrimaryColumn } from 'typeorm';

export const EXPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** bigint columns come back as strings; these counts stay far below 2^53. */
const bigintAsNumber = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** One export of a tenant's data (tenant-owned; see migration 1763900000080). */
@Entity({ name: 'data_exports' })
export class DataExport {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ExportStatus;

  @Column({ name: 'requested_by_type', type: 'varchar', length: 16 })
  requestedByType!: string;

  @Column({ name: 'requested_by_id', type: 'varchar', length: 128, nullable: true })
  requestedById!: string | null;

  @Column({ name: 'range_from', type: 'timestamptz' })
  rangeFrom!: Date;

  @Column({ name: 'range_to', type: 'timestamptz' })
  rangeTo!: Date;

  @Column({ name: 'progress_percent', type: 'smallint' })
  progressPercent!: number;

  @Column({ name: 'rows_written', type: 'bigint', transformer: bigintAsNumber })
  rowsWritten!: number;

  @Column({ name: 'events_total', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  eventsTotal!: number | null;

  @Column({ name: 'event_store', type: 'varchar', length: 16, nullable: true })
  eventStore!: string | null;

  /** Relative to the export directory: `<tenant id>/<export id>.tar.gz`. */
  @Column({ name: 'file_name', type: 'varchar', length: 200, nullable: true })
  fileName!: string | null;

  @Column({ name: 'file_bytes', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  fileBytes!: number | null;

  @Column({ name: 'file_sha256', type: 'char', length: 64, nullable: true })
  fileSha256!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true })
  heartbeatAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  /** The download link works until then (24 hours after completion). */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}
