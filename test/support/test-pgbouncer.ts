import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

const TEMPLATE = join(__dirname, '..', '..', 'scripts', 'stack', 'pgbouncer', 'pgbouncer.ini.tmpl');
const BINARY = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';

/** A PgBouncer of a test's own, in front of the test run's PostgreSQL. */
export interface TestPgBouncer {
  port: number;
  /** DATABASE_POOLER and DATABASE_POOLER_PORT for an app that serves through it. */
  env: Record<string, string>;
  /** A client of `role` connected through the pooler (as the app's pools connect). */
  connect(role: 'app' | 'platform', options?: { statementTimeoutMs?: number }): Promise<Client>;
  /** A query on PgBouncer's admin console (SHOW POOLS, …), as the owner role (admin_users). */
  admin<T>(command: string): Promise<T[]>;
  stop(): Promise<void>;
}

const ROLE_PREFIX = { app: 'DATABASE_APP', platform: 'DATABASE_PLATFORM', owner: 'DATABASE_OWNER' };

/**
 * Starts Debian's pgbouncer with the stack's own settings (scripts/stack/pgbouncer/
 * pgbouncer.ini.tmpl: transaction mode) in a folder of its own, on a free port below 32768,
 * with `poolSize` server connections per (database, role): small, so clients share them. Its
 * auth file holds the roles' passwords from the test environment (the stack's copies the SCRAM
 * verifiers from pg_authid, which a test need not read). As root it runs as postgres.
 */
export async function startTestPgBouncer(
  options: { poolSize?: number } = {},
): Promise<TestPgBouncer> {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-pgb-'));
  const port = await freePort();
  const user = (prefix: string) => process.env[`${prefix}_USER`]!;
  const values: Record<string, string> = {
    PGB_PG_PORT: process.env.DATABASE_PORT!,
    PGBOUNCER_PORT: String(port),
    PGB_DIR: dir,
    DATABASE_OWNER_USER: user('DATABASE_OWNER'),
    DATABASE_PLATFORM_USER: user('DATABASE_PLATFORM'),
  };
  const ini = readFileSync(TEMPLATE, 'utf8')
    .replace(/@([A-Z_]+)@/g, (_, key: string) => values[key])
    .replace(/^default_pool_size = \d+$/m, `default_pool_size = ${options.poolSize ?? 2}`)
    .replace(/^reserve_pool_size = \d+$/m, 'reserve_pool_size = 0')
    .replace('host=127.0.0.1', `host=${process.env.DATABASE_HOST}`);
  writeFileSync(join(dir, 'pgbouncer.ini'), ini, { mode: 0o600 });
  writeFileSync(
    join(dir, 'userlist.txt'),
    Object.values(ROLE_PREFIX)
      .map((prefix) => `"${user(prefix)}" "${process.env[`${prefix}_PASSWORD`]}"`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  mkdirSync(join(dir, 'log'));
  const runAs = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (runAs) {
    for (const name of ['', 'log', 'pgbouncer.ini', 'userlist.txt']) {
      chownSync(join(dir, name), runAs.uid, runAs.gid);
    }
  }

  const child: ChildProcess = spawn(BINARY, [join(dir, 'pgbouncer.ini')], {
    stdio: 'ignore',
    ...(runAs ?? {}),
  });
  // Not a handle Jest waits for (a run's own pooler lives until the run's process exits).
  child.unref();
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const connectAs = async (role: keyof typeof ROLE_PREFIX, statementTimeoutMs?: number) => {
    const client = new Client({
      host: process.env.DATABASE_HOST,
      port,
      database: role === 'owner' ? 'pgbouncer' : process.env.DATABASE_NAME,
      user: user(ROLE_PREFIX[role]),
      password: process.env[`${ROLE_PREFIX[role]}_PASSWORD`],
      ...(statementTimeoutMs === undefined ? {} : { statement_timeout: statementTimeoutMs }),
    });
    await client.connect();
    return client;
  };

  const pooler: TestPgBouncer = {
    port,
    env: { DATABASE_POOLER: 'pgbouncer', DATABASE_POOLER_PORT: String(port) },
    connect: (role, options) => connectAs(role, options?.statementTimeoutMs),
    async admin<T>(command: string) {
      const client = await connectAs('owner');
      try {
        // No parameters: pg sends it in the simple protocol, the only one the console speaks.
        return (await client.query(command)).rows as T[];
      } finally {
        await client.end();
      }
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };

  // Ready when a client gets through to PostgreSQL.
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const client = await pooler.connect('app');
      await client.query('SELECT 1');
      await client.end();
      return pooler;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const log = readFileSync(join(dir, 'log', 'pgbouncer.log'), 'utf8').slice(-2000);
        await pooler.stop();
        throw new Error(`pgbouncer did not start: ${(error as Error).message}\n${log}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function postgresUser(): { uid: number; gid: number } {
  const [uid, gid] = ['-u', '-g'].map((flag) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()),
  );
  return { uid, gid };
}

/** A port below 32768 (outside Linux's ephemeral range) that nothing listens on now. */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below 32768 for pgbouncer');
}
