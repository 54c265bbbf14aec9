import { Column, Entity, PrimaryColumn } from 'typeorm';

export const ACTOR_TYPES = ['user', 'api_key', 'platform_admin', 'anonymous'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** One audited event of one tenant. Tenant-owned, RLS forced, insert-only for the app role. */
@Entity({ name: 'audit_log' })
export class AuditEntry {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType: ActorType;

  @Column({ name: 'actor_id', type: 'varchar', length: 128, nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'resource_type', type: 'varchar', length: 64 })
  resourceType: string;

  @Column({ name: 'resource_id', type: 'varchar', length: 128, nullable: true })
  resourceId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  details: Record<string, unknown>;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'cross_tenant_attempt', type: 'boolean', default: false })
  crossTenantAttempt: boolean;
}
