import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/** Tenant users: tenant-owned, one email per tenant (case-insensitive), argon2id hashes only. */
export class CreateUsers1763900000002 implements MigrationInterface {
  name = 'CreateUsers1763900000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE users (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL,
        password_hash text,
        role varchar(16) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active',
        last_login_at timestamptz,
        failed_login_count integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT users_role_known CHECK (role IN ('owner', 'admin', 'analyst', 'viewer')),
        CONSTRAINT users_status_known CHECK (status IN ('active', 'disabled')),
        CONSTRAINT users_password_is_argon2id CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%')
      )`);
    await runner.query(
      'CREATE UNIQUE INDEX users_tenant_email_unique ON users (tenant_id, lower(email))',
    );
    await enableTenantIsolation(runner, 'users');
    await runner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON users TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE users');
  }
}
