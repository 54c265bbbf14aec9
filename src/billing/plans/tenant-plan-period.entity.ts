import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Which plan version a tenant was on, from when until when (tenant-owned, FORCE RLS): invoices
 * prorate the base price over these by seconds. The open period has no end.
 */
@Entity({ name: 'tenant_plan_periods' })
export class TenantPlanPeriod {
  @Column({ name: 'tenant_id', type: 'uuid', primary: true })
  tenantId: string;

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'plan_id', type: 'uuid' })
  planId: string;

  @Column({ name: 'effective_from', type: 'timestamptz' })
  effectiveFrom: Date;

  @Column({ name: 'effective_until', type: 'timestamptz', nullable: true })
  effectiveUntil: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
