import { Client } from 'pg';

/** A direct connection to the test database as the app role or the owner role. */
export async function connectAs(role: 'app' | 'owner'): Promise<Client> {
  const client = new Client({
    host: process.env.DATABASE_HOST,
    port: Number(process.env.DATABASE_PORT),
    database: process.env.DATABASE_NAME,
    user: role === 'app' ? process.env.DATABASE_APP_USER : process.env.DATABASE_OWNER_USER,
    password:
      role === 'app' ? process.env.DATABASE_APP_PASSWORD : process.env.DATABASE_OWNER_PASSWORD,
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
