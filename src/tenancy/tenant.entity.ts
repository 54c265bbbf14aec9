import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { PlanOverrides } from '../billing/plans/plan-terms';

export const TENANT_TIERS = ['starter', 'growth', 'enterprise'] as const;
export type TenantTier = (typeof TENANT_TIERS)[number];

export const TENANT_STATUSES = [
  'active',
  'suspended',
  'pending_deletion',
  'purging',
  'purged',
] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** Deleted: restorable (pending_deletion), being purged, or a purged tombstone. */
export const DELETED_STATUSES: readonly TenantStatus[] = ['pending_deletion', 'purging', 'purged'];

export function isDeleted(status: TenantStatus): boolean {
  return DELETED_STATUSES.includes(status);
}

/** Each finished purge step and what it removed (rows per table, keys, files...). */
export interface PurgeState {
  steps: Record<string, { removed: Record<string, number>; finished_at: string }>;
  forced?: boolean;
  started_at?: string;
}

/** A customer organisation. Platform-owned (no tenant_id, no RLS): only /admin routes change it. */
@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  slug: string;

  @Column({ type: 'varchar', length: 16, default: 'starter' })
  tier: TenantTier;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: TenantStatus;

  /** The plan version the tenant signed; `tier` is kept equal to that plan's code. */
  @Column({ name: 'plan_id', type: 'uuid' })
  planId: string;

  /** Its contract's changes to that plan (validated by SetPlanOverridesDto); {} when none. */
  @Column({ name: 'plan_overrides', type: 'jsonb', default: () => "'{}'::jsonb" })
  planOverrides: PlanOverrides;

  /** Where its rows live (issue 18, placements): the pooled placement unless siloed. */
  @Column({ name: 'placement_id', type: 'uuid' })
  placementId: string;

  /** Bumped by every move's flip; each tenant transaction checks it (the fence). */
  @Column({ name: 'placement_epoch', type: 'integer', default: 0 })
  placementEpoch: number;

  /** A siloed tenant being created: not served until its placement database holds it. */
  @Column({ type: 'boolean', default: false })
  provisioning: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** When deletion was asked for (null while active or suspended). */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** The end of the grace period: restorable before it, purged by the job after it. */
  @Column({ name: 'purge_after', type: 'timestamptz', nullable: true })
  purgeAfter: Date | null;

  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true })
  purgedAt: Date | null;

  /** The status a restore returns to. */
  @Column({ name: 'status_before_deletion', type: 'varchar', length: 16, nullable: true })
  statusBeforeDeletion: 'active' | 'suspended' | null;

  /** A purge's progress, step by step, so a purge killed half-way resumes. */
  @Column({ name: 'purge_state', type: 'jsonb', nullable: true })
  purgeState: PurgeState | null;

  /** What the purge removed, per table and store (the tombstone's record). */
  @Column({ name: 'purge_report', type: 'jsonb', nullable: true })
  purgeReport: PurgeState | null;
}
