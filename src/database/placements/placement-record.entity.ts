import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Placement, PlacementKind, PlacementStatus } from './placement';

/** A row of `placements` (control database; migration 1763900000270). No secrets. */
@Entity({ name: 'placements' })
export class PlacementRecord {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  kind: PlacementKind;

  @Column({ name: 'connection_ref', type: 'text' })
  connectionRef: string;

  @Column({ name: 'clickhouse_cluster', type: 'varchar', length: 63, nullable: true })
  clickhouseCluster: string | null;

  @Column({ name: 'clickhouse_database', type: 'varchar', length: 63 })
  clickhouseDatabase: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: PlacementStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** The contract's view of a row (placement.ts). */
export function toPlacement(record: PlacementRecord): Placement {
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    connectionRef: record.connectionRef,
    clickhouseCluster: record.clickhouseCluster,
    clickhouseDatabase: record.clickhouseDatabase,
    status: record.status,
    isControl: record.connectionRef === 'control',
  };
}
