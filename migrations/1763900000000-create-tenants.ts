import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole } from './support/isolation';

/** Platform-owned tenant registry. No tenant_id and no RLS: only platform routes reach it. */
export class CreateTenants1763900000000 implements MigrationInterface {
  name = 'CreateTenants1763900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        slug varchar(63) NOT NULL,
        tier varchar(16) NOT NULL DEFAULT 'starter',
        status varchar(16) NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT tenants_slug_unique UNIQUE (slug),
        CONSTRAINT tenants_slug_dns_label CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        CONSTRAINT tenants_tier_known CHECK (tier IN ('starter', 'growth', 'enterprise')),
        CONSTRAINT tenants_status_known CHECK (status IN ('active', 'suspended', 'deleted')),
        CONSTRAINT tenants_deleted_at_matches CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
      )`);
    await runner.query('CREATE INDEX tenants_status_tier_idx ON tenants (status, tier)');
    await runner.query('CREATE INDEX tenants_created_at_idx ON tenants (created_at DESC, id)');
    // Soft delete only: the app may not DELETE tenants.
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON tenants TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tenants');
  }
}
