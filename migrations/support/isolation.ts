import type { QueryRunner } from 'typeorm';

/**
 * The app's login role, granted table privileges by migrations. It comes from the environment
 * (validated as a plain identifier) because each deployment names its own roles.
 */
export function appRole(): string {
  return roleFromEnvironment('DATABASE_APP_USER', 'tenantry_app');
}

/**
 * The platform's login role: the /admin code paths (and the rollup job) connect as it, on a pool
 * of their own. It holds what tenant traffic must never reach: the cross-tenant SECURITY
 * DEFINER readers and UPDATE on the platform tables.
 */
export function platformRole(): string {
  return roleFromEnvironment('DATABASE_PLATFORM_USER', 'tenantry_platform');
}

function roleFromEnvironment(variable: string, fallback: string): string {
  const role = process.env[variable] ?? fallback;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    throw new Error(`${variable} must be a plain lowercase identifier`);
  }
  return `"${role}"`;
}

/** The one tenant predicate: evaluated once per statement, fails closed when no tenant is set. */
export const CURRENT_TENANT = "(SELECT nullif(current_setting('app.tenant_id', true), '')::uuid)";

/**
 * Makes `table` tenant-owned: RLS enabled and forced (owners too), and one policy whose USING
 * and WITH CHECK both compare tenant_id to the transaction's app.tenant_id.
 */
export async function enableTenantIsolation(runner: QueryRunner, table: string): Promise<void> {
  await runner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await runner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await runner.query(
    `CREATE POLICY tenant_isolation ON ${table}
       USING (tenant_id = ${CURRENT_TENANT})
       WITH CHECK (tenant_id = ${CURRENT_TENANT})`,
  );
}

/** The switch the platform-read policies test; only SECURITY DEFINER functions turn it on. */
export const PLATFORM_READ_SETTING = 'tenantry.platform_read';

/**
 * Lets the owner role (and so only the SECURITY DEFINER functions it owns, which the app may
 * call) read every tenant's rows of `table`, and only while those functions have switched
 * PLATFORM_READ_SETTING on for their own duration. The app role gains nothing: the policy is
 * not granted to it, whatever it sets.
 */
export async function enablePlatformRead(runner: QueryRunner, table: string): Promise<void> {
  await runner.query(
    `CREATE POLICY platform_read ON ${table} FOR SELECT TO CURRENT_USER
       USING (current_setting('${PLATFORM_READ_SETTING}', true) = 'on')`,
  );
}
