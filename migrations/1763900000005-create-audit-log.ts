import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/** Append-only audit trail per tenant: the app role may INSERT and SELECT, never UPDATE or DELETE. */
export class CreateAuditLog1763900000005 implements MigrationInterface {
  name = 'CreateAuditLog1763900000005';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE audit_log (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT now(),
        actor_type varchar(16) NOT NULL,
        actor_id varchar(128),
        action varchar(64) NOT NULL,
        resource_type varchar(64) NOT NULL,
        resource_id varchar(128),
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        ip varchar(64),
        user_agent varchar(512),
        cross_tenant_attempt boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT audit_log_actor_known CHECK (actor_type IN ('user', 'api_key', 'platform_admin', 'anonymous'))
      )`);
    await runner.query('CREATE INDEX audit_log_tenant_at_idx ON audit_log (tenant_id, at DESC)');
    await enableTenantIsolation(runner, 'audit_log');
    await runner.query(`GRANT SELECT, INSERT ON audit_log TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE audit_log');
  }
}
