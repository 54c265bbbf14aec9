import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/**
 * SSO for plans that include it (issue 15, item 5).
 *
 * - `sso_connections`: a tenant's one OIDC identity provider. The client secret is kept either
 *   sealed (AES-256-GCM under SSO_SECRET_KEY, the tenant id as associated data, so a sealed
 *   value copied into another tenant's row does not open) or as a reference to an environment
 *   variable (`env:NAME`), never in clear. `last_sso_login_at` is the lockout guard's proof that
 *   SSO works for this tenant: password login can be turned off only once it is set, and it is
 *   cleared whenever the issuer or client changes.
 * - `sso_login_states`: the SHA-256 of every login state a callback has consumed, so a state
 *   (and its cookie) is good for one callback only. Rows are kept until shortly after the state
 *   expired, then deleted by the next callback of the tenant.
 */
export class CreateSsoConnections1763900000100 implements MigrationInterface {
  name = 'CreateSsoConnections1763900000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE sso_connections (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
        issuer varchar(512) NOT NULL,
        client_id varchar(256) NOT NULL,
        client_secret_sealed text,
        client_secret_ref varchar(128),
        default_role varchar(16) NOT NULL,
        password_login_enabled boolean NOT NULL DEFAULT true,
        last_sso_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sso_connections_one_secret
          CHECK ((client_secret_sealed IS NULL) <> (client_secret_ref IS NULL)),
        CONSTRAINT sso_connections_default_role_not_owner
          CHECK (default_role IN ('admin', 'analyst', 'viewer')),
        CONSTRAINT sso_connections_password_off_after_sso
          CHECK (password_login_enabled OR last_sso_login_at IS NOT NULL)
      )`);
    await enableTenantIsolation(runner, 'sso_connections');
    await runner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON sso_connections TO ${appRole()}`);

    await runner.query(`
      CREATE TABLE sso_login_states (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        state_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, state_hash),
        CONSTRAINT sso_login_states_hash_hex CHECK (state_hash ~ '^[0-9a-f]{64}$')
      )`);
    await runner.query(
      'CREATE INDEX sso_login_states_expiry ON sso_login_states (tenant_id, expires_at)',
    );
    await enableTenantIsolation(runner, 'sso_login_states');
    await runner.query(`GRANT SELECT, INSERT, DELETE ON sso_login_states TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE sso_login_states');
    await runner.query('DROP TABLE sso_connections');
  }
}
