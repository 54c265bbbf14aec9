import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Widget } from './widgets';

/** A saved dashboard of one tenant. Tenant-owned: RLS forced, key (tenant_id, id). */
@Entity({ name: 'dashboards' })
export class Dashboard {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** Validated by normalizeWidgets() before every write. */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  widgets: Widget[];

  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
