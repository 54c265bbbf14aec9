import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '../permissions';

/** The roles SSO may give a user it provisions: never owner. */
export const SSO_DEFAULT_ROLES = ['admin', 'analyst', 'viewer'] as const satisfies readonly Role[];
export type SsoDefaultRole = (typeof SSO_DEFAULT_ROLES)[number];

/** A tenant's OIDC identity provider. Tenant-owned: RLS forced, one row per tenant. */
@Entity({ name: 'sso_connections' })
export class SsoConnection {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @Column({ type: 'varchar', length: 512 })
  issuer: string;

  @Column({ name: 'client_id', type: 'varchar', length: 256 })
  clientId: string;

  /** AES-256-GCM (sso-secrets.ts); null when the secret is a reference. */
  @Column({ name: 'client_secret_sealed', type: 'text', nullable: true })
  clientSecretSealed: string | null;

  /** `env:NAME`; null when the secret is sealed here. */
  @Column({ name: 'client_secret_ref', type: 'varchar', length: 128, nullable: true })
  clientSecretRef: string | null;

  @Column({ name: 'default_role', type: 'varchar', length: 16 })
  defaultRole: SsoDefaultRole;

  @Column({ name: 'password_login_enabled', type: 'boolean', default: true })
  passwordLoginEnabled: boolean;

  @Column({ name: 'last_sso_login_at', type: 'timestamptz', nullable: true })
  lastSsoLoginAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
