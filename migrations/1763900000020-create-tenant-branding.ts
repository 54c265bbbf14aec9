import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/**
 * White-label theme of a tenant, one row per tenant (absent until the tenant changes anything:
 * the app answers its defaults then). Tenant-owned: RLS forced, tenant_id is the key.
 * `embed_origins` are the origins allowed to frame the tenant's embedded dashboards and to call
 * their data routes from a browser (Content-Security-Policy frame-ancestors and CORS); the app
 * validates each as a bare origin, and the CHECKs repeat the shape so nothing else is stored.
 */
export class CreateTenantBranding1763900000020 implements MigrationInterface {
  name = 'CreateTenantBranding1763900000020';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tenant_branding (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        primary_color char(7) NOT NULL CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
        accent_color char(7) NOT NULL CHECK (accent_color ~ '^#[0-9a-f]{6}$'),
        background_color char(7) NOT NULL CHECK (background_color ~ '^#[0-9a-f]{6}$'),
        text_color char(7) NOT NULL CHECK (text_color ~ '^#[0-9a-f]{6}$'),
        logo_url varchar(2048) CHECK (logo_url ~ '^https://'),
        embed_origins text[] NOT NULL DEFAULT '{}' CHECK (cardinality(embed_origins) <= 20),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id)
      )`);
    await enableTenantIsolation(runner, 'tenant_branding');
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON tenant_branding TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tenant_branding');
  }
}
