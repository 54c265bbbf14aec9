import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A tenant's white-label theme. Tenant-owned: RLS forced, one row per tenant, absent until the
 * tenant first saves one (BrandingService answers DEFAULT_BRANDING then).
 */
@Entity({ name: 'tenant_branding' })
export class TenantBranding {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @Column({ name: 'primary_color', type: 'char', length: 7 })
  primaryColor: string;

  @Column({ name: 'accent_color', type: 'char', length: 7 })
  accentColor: string;

  @Column({ name: 'background_color', type: 'char', length: 7 })
  backgroundColor: string;

  @Column({ name: 'text_color', type: 'char', length: 7 })
  textColor: string;

  @Column({ name: 'logo_url', type: 'varchar', length: 2048, nullable: true })
  logoUrl: string | null;

  /** Origins (https://host[:port]) allowed to frame the tenant's embedded dashboards. */
  @Column({ name: 'embed_origins', type: 'text', array: true, default: () => "'{}'" })
  embedOrigins: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** The theme a tenant has until it saves its own. */
export interface Branding {
  primaryColor: string;
  accentColor: string;
  backgroundColor: string;
  textColor: string;
  logoUrl: string | null;
  embedOrigins: string[];
  /** null while the defaults apply. */
  updatedAt: Date | null;
}

export const DEFAULT_BRANDING: Branding = Object.freeze({
  primaryColor: '#4f46e5',
  accentColor: '#f59e0b',
  backgroundColor: '#ffffff',
  textColor: '#111827',
  logoUrl: null,
  embedOrigins: [],
  updatedAt: null,
});
