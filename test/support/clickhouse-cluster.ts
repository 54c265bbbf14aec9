import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readStackEnv } from '../../src/config/stack-env';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { clickhouseClusterOf } from '../../src/ingestion/store/clickhouse/clickhouse-cluster-settings';
import { stack } from './stack-control';

const REPO_ROOT = join(__dirname, '..', '..');

/** The test cluster's ports start here (node N: + 100(N-1)): TEST_CLICKHOUSE_CLUSTER_PORT. */
function basePort(fallback: number): number {
  const port = Number(process.env.TEST_CLICKHOUSE_CLUSTER_PORT);
  return Number.isInteger(port) && port > 0 ? port : fallback;
}

/**
 * A two-server ClickHouse cluster (scripts/stack.sh, CLICKHOUSE_NODES=2: cluster `tenantry`,
 * two shards) in a stack folder of its own, on ports of its own below 32768: the main stack's
 * server is never touched. `up` is idempotent (a running cluster is kept); `down` kills both
 * servers by their pid files and purges the folder: a throwaway cluster needs no clean
 * shutdown, which takes 18.16 about 5 s a server.
 */
export class ClickHouseTestCluster {
  readonly dir: string;
  private stackEnv: Record<string, string> = {};

  constructor(
    name = 'ch-cluster',
    private readonly httpPort = basePort(26123),
  ) {
    this.dir = join(REPO_ROOT, '.stack', name);
  }

  /** The environment scripts/stack.sh runs with for this cluster. */
  get env(): Record<string, string> {
    return {
      TENANTRY_STACK_DIR: this.dir,
      CLICKHOUSE_NODES: '2',
      CLICKHOUSE_HTTP_PORT: String(this.httpPort),
      CLICKHOUSE_TCP_PORT: String(this.httpPort + 877),
      CLICKHOUSE_INTERSERVER_PORT: String(this.httpPort + 886),
    };
  }

  async up(): Promise<void> {
    // Made first: scripts/stack.sh refuses a folder whose real path differs from the one it was
    // given, as it would when .stack is a symlink (a git worktree's) and the folder is new.
    mkdirSync(this.dir, { recursive: true });
    await stack('up', 'clickhouse', { env: this.env, timeoutMs: 60_000 });
    this.stackEnv = readStackEnv(this.dir);
  }

  async down(): Promise<void> {
    if (!existsSync(this.dir)) return;
    for (const node of [0, 1]) await this.kill(node);
    await stack('down', 'clickhouse', { env: this.env, purge: true });
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills server `node` (0-based) with SIGKILL: a crash, or a quick end for a throwaway one. */
  async kill(node: number): Promise<void> {
    // The servers' command lines name the real path (.stack may be a symlink).
    const folder = join(
      realpathSync(this.dir),
      node === 0 ? 'clickhouse' : `clickhouse-${node + 1}`,
    );
    await killByPidFile(join(folder, 'clickhouse-server.pid'));
  }

  /** Every server's HTTP URL, in shard order. */
  get nodeUrls(): string[] {
    return this.stackEnv.CLICKHOUSE_NODE_URLS.split(',');
  }

  /** The cluster's event store on `database`, as the app builds it (writer, reader, background). */
  store(database: string, users: 'app' | 'default' = 'app'): ClickHouseEventStore {
    const env = this.stackEnv;
    const user = (role: 'WRITER' | 'READER' | 'READER_BACKGROUND') => ({
      username: env[`CLICKHOUSE_${role}_USER`],
      password: env[`CLICKHOUSE_${role}_PASSWORD`],
    });
    return new ClickHouseEventStore(
      this.nodeUrls[0],
      database,
      users === 'app'
        ? {
            writer: user('WRITER'),
            reader: user('READER'),
            background_reader: user('READER_BACKGROUND'),
          }
        : {},
      clickhouseClusterOf(env),
    );
  }

  /**
   * A statement on one server as `default` (tests' own checks: local tables, system tables),
   * with these settings; answers the response body.
   */
  async query(node: number, sql: string, settings: Record<string, string> = {}): Promise<string> {
    const url = `${this.nodeUrls[node]}/?${new URLSearchParams(settings).toString()}`;
    const response = await fetch(url, { method: 'POST', body: sql });
    const text = await response.text();
    if (!response.ok) throw new Error(`ClickHouse node ${node + 1}: ${text}`);
    return text;
  }
}

/**
 * SIGKILL to the pid in `file` if that process is the clickhouse-server started with the config
 * beside it (never another process that reused the pid), and wait until it is gone.
 */
async function killByPidFile(file: string): Promise<void> {
  let pid: number;
  let command: string;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  const config = `--config-file=${join(dirname(file), 'config.xml')}`;
  if (!Number.isInteger(pid) || pid <= 1 || !command.includes(config)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
