import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, readStackEnv } from '../src/config/stack-env';

/**
 * A two-server ClickHouse cluster for the cluster bench (scripts/stack.sh, CLICKHOUSE_NODES=2)
 * in a stack folder of its own (.stack/ch-cluster-bench) on ports of its own below 32768
 * (BENCH_CLICKHOUSE_CLUSTER_PORT, default 26323; node 2 at +100): the shared stack's server is
 * never touched. Purged when the bench ends.
 */
export class BenchClickHouseCluster {
  readonly dir = join(REPO_ROOT, '.stack', 'ch-cluster-bench');
  private readonly httpPort = Number(process.env.BENCH_CLICKHOUSE_CLUSTER_PORT ?? 26323);

  private get env(): Record<string, string> {
    return {
      ...process.env,
      TENANTRY_STACK_DIR: this.dir,
      CLICKHOUSE_NODES: '2',
      CLICKHOUSE_HTTP_PORT: String(this.httpPort),
      CLICKHOUSE_TCP_PORT: String(this.httpPort + 877),
      CLICKHOUSE_INTERSERVER_PORT: String(this.httpPort + 886),
    };
  }

  /** Starts both servers; answers the cluster's stack.env (CLICKHOUSE_CLUSTER, _NODE_URLS, …). */
  async up(): Promise<Record<string, string>> {
    mkdirSync(this.dir, { recursive: true });
    await this.stack('up');
    return readStackEnv(this.dir);
  }

  async down(): Promise<void> {
    await this.stack('down', '--purge');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async stack(...args: string[]): Promise<void> {
    await promisify(execFile)('bash', ['scripts/stack.sh', ...args, 'clickhouse'], {
      cwd: REPO_ROOT,
      env: this.env,
      timeout: 120_000,
    });
  }
}
