import { Client } from 'pg';

const ROLE_PREFIX = { app: 'DATABASE_APP', owner: 'DATABASE_OWNER', platform: 'DATABASE_PLATFORM' };

/** The databases a test can reach: the control test database, and the silo's (placement silo-1). */
export type TestDatabase = 'control' | 'silo-1';

/**
 * A direct connection to the test database as the app, owner or platform role; `database`
 * silo-1: the run's database of placement silo-1 on the silo cluster (PLACEMENT_SILO1_*).
 */
export async function connectAs(
  role: 'app' | 'owner' | 'platform',
  database: TestDatabase = 'control',
): Promise<Client> {
  const prefix = ROLE_PREFIX[role];
  const silo = database === 'silo-1';
  const client = new Client({
    host: silo ? process.env.PLACEMENT_SILO1_HOST : process.env.DATABASE_HOST,
    port: Number(silo ? process.env.PLACEMENT_SILO1_PORT : process.env.DATABASE_PORT),
    database: silo ? process.env.PLACEMENT_SILO1_DATABASE : process.env.DATABASE_NAME,
    user: process.env[silo ? `PLACEMENT_SILO1_${role.toUpperCase()}_USER` : `${prefix}_USER`],
    password:
      process.env[silo ? `PLACEMENT_SILO1_${role.toUpperCase()}_PASSWORD` : `${prefix}_PASSWORD`],
  });
  await client.connect();
  return client;
}

/** Runs `work` in a transaction scoped to `tenantId` exactly as TenantContext does, then rolls back. */
export async function asTenant<T>(
  client: Client,
  tenantId: string,
  work: () => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}

/** The SQLSTATE a statement fails with, or 'ok'. Each attempt runs in its own savepoint. */
export async function sqlState(
  client: Client,
  text: string,
  values: unknown[] = [],
): Promise<string> {
  await client.query('SAVEPOINT attempt');
  try {
    await client.query(text, values);
    await client.query('RELEASE SAVEPOINT attempt');
    return 'ok';
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT attempt');
    return (error as { code?: string }).code ?? 'unknown';
  }
}
