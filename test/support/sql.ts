import { Client } from 'pg';

const ROLE_PREFIX = { app: 'DATABASE_APP', owner: 'DATABASE_OWNER', platform: 'DATABASE_PLATFORM' };

/** A direct connection to the test database as the app, owner or platform role. */
export async function connectAs(role: 'app' | 'owner' | 'platform'): Promise<Client> {
  const prefix = ROLE_PREFIX[role];
  const client = new Client({
    host: process.env.DATABASE_HOST,
    port: Number(process.env.DATABASE_PORT),
    database: process.env.DATABASE_NAME,
    user: process.env[`${prefix}_USER`],
    password: process.env[`${prefix}_PASSWORD`],
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
