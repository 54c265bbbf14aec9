import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, platformRole } from './support/isolation';

/** The cross-tenant readers: SECURITY DEFINER functions that read every tenant's rows. */
export const PLATFORM_FUNCTIONS = [
  'public.platform_audit_entries(uuid, text, text, timestamptz, timestamptz, boolean, integer, integer)',
  'public.platform_query_costs(timestamptz, timestamptz, integer)',
  'public.platform_stale_rollup_days(date, integer)',
];

/**
 * Issue 11, finding 8: least privilege between tenant traffic and the platform. The app role
 * serves every tenant request, so an injection there holds whatever it holds; it keeps what
 * tenants need and loses the rest to the platform role (bootstrap.sql: NOSUPERUSER, NOBYPASSRLS,
 * owns nothing), which only the /admin code paths and the rollup job connect as:
 *
 * - EXECUTE on the cross-tenant readers (PLATFORM_FUNCTIONS);
 * - UPDATE on tenants (the app keeps SELECT to resolve tenants, INSERT to provision them inside
 *   the new tenant's transaction);
 * - everything on platform_admins (password hashes and lockout columns);
 * - SELECT, INSERT on audit_log, so an admin change of a tenant and its audit entry commit
 *   together under that tenant's app.tenant_id; FORCE RLS binds the platform role like any other.
 */
export class PlatformRole1763900000030 implements MigrationInterface {
  name = 'PlatformRole1763900000030';

  async up(runner: QueryRunner): Promise<void> {
    const [app, platform] = [appRole(), platformRole()];
    for (const fn of PLATFORM_FUNCTIONS) {
      await runner.query(`REVOKE EXECUTE ON FUNCTION ${fn} FROM ${app}`);
      await runner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${platform}`);
    }
    await runner.query(`REVOKE UPDATE ON tenants FROM ${app}`);
    await runner.query(`GRANT SELECT, UPDATE ON tenants TO ${platform}`);
    await runner.query(`REVOKE ALL ON platform_admins FROM ${app}`);
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON platform_admins TO ${platform}`);
    await runner.query(`GRANT SELECT, INSERT ON audit_log TO ${platform}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const [app, platform] = [appRole(), platformRole()];
    await runner.query(`REVOKE ALL ON audit_log FROM ${platform}`);
    await runner.query(`REVOKE ALL ON platform_admins FROM ${platform}`);
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON platform_admins TO ${app}`);
    await runner.query(`REVOKE ALL ON tenants FROM ${platform}`);
    await runner.query(`GRANT UPDATE ON tenants TO ${app}`);
    for (const fn of PLATFORM_FUNCTIONS) {
      await runner.query(`REVOKE EXECUTE ON FUNCTION ${fn} FROM ${platform}`);
      await runner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${app}`);
    }
  }
}
