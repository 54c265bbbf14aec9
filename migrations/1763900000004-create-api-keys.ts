import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/**
 * Machine credentials, tenant-owned, holding the SHA-256 of each key. The key's prefix starts
 * with its tenant's id, so a request opens that tenant's RLS scope before reading the key: no
 * cross-tenant index is needed.
 */
export class CreateApiKeys1763900000004 implements MigrationInterface {
  name = 'CreateApiKeys1763900000004';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE api_keys (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        prefix varchar(40) NOT NULL,
        secret_hash char(64) NOT NULL,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT api_keys_prefix_unique UNIQUE (tenant_id, prefix)
      )`);
    await enableTenantIsolation(runner, 'api_keys');
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON api_keys TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE api_keys');
  }
}
