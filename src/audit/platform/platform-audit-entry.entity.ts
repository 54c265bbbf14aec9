import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `user`: a tenant's owner asking for its deletion; `system`: the purge job (migration 70). */
export const PLATFORM_ACTOR_TYPES = ['platform_admin', 'anonymous', 'user', 'system'] as const;
export type PlatformActorType = (typeof PLATFORM_ACTOR_TYPES)[number];

/** An audited event that belongs to no tenant (a platform admin's login). Insert-only for the app. */
@Entity({ name: 'platform_audit_log' })
export class PlatformAuditEntry {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType: PlatformActorType;

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
}
