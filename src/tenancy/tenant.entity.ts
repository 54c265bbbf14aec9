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

export const TENANT_STATUSES = ['active', 'suspended', 'deleted'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
