import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const CUSTOM_DOMAIN_STATUSES = ['pending', 'verified', 'failed'] as const;
export type CustomDomainStatus = (typeof CUSTOM_DOMAIN_STATUSES)[number];

/**
 * A hostname a tenant serves its workspace and embeds on, once a DNS TXT record proves it
 * controls the name. Tenant-owned: RLS forced. The token is no secret (it is published in DNS);
 * it only ties the record to this claim.
 */
@Entity({ name: 'custom_domains' })
export class CustomDomain {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  /** Lowercase, punycode, no trailing dot. */
  @Column({ type: 'varchar', length: 253 })
  hostname: string;

  @Column({ name: 'verification_token', type: 'varchar', length: 64 })
  verificationToken: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: CustomDomainStatus;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true })
  lastCheckedAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
