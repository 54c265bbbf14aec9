import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { recreateDatabase } from '../../src/database/recreate-database';

const REPO_ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

/**
 * A second local stack (PostgreSQL and ClickHouse of its own, on other ports, in its own folder)
 * that a disaster-recovery test may destroy and restore with the real scripts; it shares the main
 * stack's Kafka (topics and groups of its own) and Redis (keys under its database's name).
 */
export class DrStack {
  readonly dir: string;
  readonly backupDir: string;
  readonly database = 'tenantry_dr_test';

  constructor(
    name: string,
    readonly ports: { pg: number; chHttp: number; chTcp: number; chInterserver: number },
    private readonly kafka: { topic: string; group: string },
  ) {
    this.dir = join(REPO_ROOT, '.stack', name);
    this.backupDir = join(this.dir, 'backups');
  }

  /** The environment of every script run and of the app against this stack. */
  get env(): Record<string, string> {
    return {
      TENANTRY_STACK_DIR: this.dir,
      PG_PORT: String(this.ports.pg),
      CLICKHOUSE_HTTP_PORT: String(this.ports.chHttp),
      CLICKHOUSE_TCP_PORT: String(this.ports.chTcp),
      CLICKHOUSE_INTERSERVER_PORT: String(this.ports.chInterserver),
      DATABASE_HOST: '127.0.0.1',
      DATABASE_PORT: String(this.ports.pg),
      DATABASE_NAME: this.database,
      CLICKHOUSE_URL: `http://127.0.0.1:${this.ports.chHttp}`,
      CLICKHOUSE_DATABASE: this.database,
      KAFKA_EVENTS_TOPIC: this.kafka.topic,
      KAFKA_CONSUMER_GROUP: this.kafka.group,
    };
  }

  get socketDir(): string {
    return join(this.dir, 'postgres', 'run');
  }

  /** Runs a repo script (scripts/…) with this stack's environment; returns its stdout. */
  async script(
    path: string,
    args: string[],
    options: { timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<string> {
    return this.exec('bash', [path, ...args], options);
  }

  /** Runs a TypeScript CLI (src/cli/…) as an operator would, with this stack's environment. */
  async cli(
    path: string,
    args: string[],
    options: { timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<string> {
    return this.exec('node', ['-r', './scripts/swc-register.js', path, ...args], options);
  }

  private async exec(
    command: string,
    args: string[],
    options: { timeoutMs?: number; env?: Record<string, string> },
  ): Promise<string> {
    const [path] = args;
    try {
      const { stdout } = await run(command, args, {
        cwd: REPO_ROOT,
        env: { ...process.env, ...this.env, ...options.env },
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const failed = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(
        `${path} ${args.join(' ')} failed: ${failed.message}\n${failed.stderr ?? ''}`,
        { cause: error },
      );
    }
  }

  /** A fresh folder with backups on, PostgreSQL and ClickHouse up, the test database migrated. */
  async create(): Promise<void> {
    await this.destroy();
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(
      join(this.dir, 'backup.env'),
      `BACKUP_TARGET=local\nBACKUP_DIR=${this.backupDir}\n`,
    );
    await this.script('scripts/stack.sh', ['up', 'postgres', 'clickhouse']);
    await recreateDatabase(
      {
        host: '127.0.0.1',
        port: this.ports.pg,
        user: process.env.DATABASE_OWNER_USER ?? 'tenantry_owner',
        password: process.env.DATABASE_OWNER_PASSWORD ?? 'tenantry_owner_dev',
        maintenanceDatabase: 'postgres',
      },
      this.database,
    );
  }

  /**
   * The disaster: both servers die at once (SIGKILL, so PostgreSQL gets no shutdown checkpoint
   * and no last WAL switch: what it had not archived is lost, as with a failed disk) and their
   * data folders are deleted. The backups stay.
   */
  async loseData(): Promise<void> {
    for (const pidFile of [
      join(this.dir, 'postgres', 'data', 'postmaster.pid'),
      join(this.dir, 'clickhouse', 'clickhouse-server.pid'),
    ]) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid in ${pidFile}`);
      // The server's children first (PostgreSQL's backends would outlive a killed postmaster).
      await run('pkill', ['-KILL', '-P', String(pid)]).catch(() => undefined);
      process.kill(pid, 'SIGKILL');
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    await this.script('scripts/stack.sh', ['down', '--purge', 'postgres', 'clickhouse']);
  }

  /** Everything, backups included. */
  async destroy(): Promise<void> {
    await this.script('scripts/stack.sh', ['down', '--purge', 'postgres', 'clickhouse']).catch(
      () => undefined,
    );
    await run('rm', ['-rf', this.dir]);
  }

  /** The superuser over the socket: sees every tenant's rows (RLS does not bind it). */
  async superuser(database = this.database): Promise<Client> {
    const client = new Client({
      host: this.socketDir,
      port: this.ports.pg,
      user: 'postgres',
      database,
    });
    await client.connect();
    return client;
  }

  clickhouse(): ClickHouseClient {
    return createClient({ url: `http://127.0.0.1:${this.ports.chHttp}` });
  }

  /** Forces the current WAL segment into the archive and waits until it is there. */
  async archiveNow(): Promise<void> {
    const sql = await this.superuser('postgres');
    try {
      const { rows } = await sql.query<{ file: string }>(
        'SELECT pg_walfile_name(pg_switch_wal()) AS file',
      );
      const deadline = Date.now() + 30_000;
      for (;;) {
        const archived = await sql.query<{ last: string | null }>(
          'SELECT last_archived_wal AS last FROM pg_stat_archiver',
        );
        const last = archived.rows[0].last;
        if (last !== null && last >= rows[0].file) return;
        if (Date.now() > deadline) throw new Error(`WAL ${rows[0].file} was not archived in 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await sql.end();
    }
  }
}
