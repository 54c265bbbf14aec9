import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { readStackEnv } from '../../src/config/stack-env';
import { kafkaClientConfig } from '../../src/ingestion/kafka/kafka-connection';
import { stack } from './stack-control';

const REPO_ROOT = join(__dirname, '..', '..');

/** The fault tests' cluster ports start here: TEST_KAFKA_CLUSTER_PORT, for a second checkout. */
export function kafkaClusterBasePort(fallback: number): number {
  const port = Number(process.env.TEST_KAFKA_CLUSTER_PORT);
  return Number.isInteger(port) && port > 0 ? port : fallback;
}

/**
 * A three-node Kafka cluster (scripts/stack.sh, KAFKA_NODES=3) in a stack folder of its own, on
 * ports of its own (below 32768, outside the ephemeral range): the main stack's broker is never
 * touched. For fault tests that kill one node.
 */
export class KafkaCluster {
  readonly dir: string;
  private stackEnv: Record<string, string> = {};

  constructor(
    name: string,
    private readonly basePort: number,
  ) {
    this.dir = join(REPO_ROOT, '.stack', name);
  }

  /** The environment scripts/stack.sh runs with for this cluster. */
  get env(): Record<string, string> {
    return {
      TENANTRY_STACK_DIR: this.dir,
      KAFKA_NODES: '3',
      KAFKA_PORT: String(this.basePort),
      KAFKA_CONTROLLER_PORT: String(this.basePort + 1),
    };
  }

  async up(): Promise<void> {
    // Made first: scripts/stack.sh refuses a folder whose real path differs from the one it was
    // given, as it would when .stack is a symlink (a git worktree's) and the folder is new.
    mkdirSync(this.dir, { recursive: true });
    // A run killed before its afterAll (timeout, CI cancel, OOM) leaves the cluster running and
    // its data behind: stop those nodes (by their pid files) and purge, then start afresh. The
    // resolved jars stay (a cache); with nothing left over this costs one quick script run.
    await stack('down', 'kafka', { env: this.env, purge: true });
    await stack('up', 'kafka', { env: this.env, timeoutMs: 240_000 });
    this.stackEnv = readStackEnv(this.dir);
  }

  async down(): Promise<void> {
    await stack('down', 'kafka', { env: this.env, purge: true });
  }

  /** Kills node `node` with SIGKILL: a crash, no controlled shutdown. */
  async kill(node: number): Promise<void> {
    await stack('down', `kafka@${node}`, { env: this.env, kill: true });
  }

  /** Starts node `node` again and waits until it serves. */
  async start(node: number): Promise<void> {
    await stack('up', `kafka@${node}`, { env: this.env });
  }

  /** What the app needs to use this cluster: its brokers and the app principal. */
  get appEnv(): Record<string, string> {
    const { KAFKA_BROKERS, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD } = this.stackEnv;
    return { KAFKA_BROKERS, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD };
  }

  /** A quiet kafkajs client on this cluster, as the app's principal or the admin (super user). */
  client(clientId: string, principal: 'app' | 'admin' = 'app'): Kafka {
    const env = this.stackEnv;
    const [username, password] =
      principal === 'admin'
        ? [env.KAFKA_ADMIN_USERNAME, env.KAFKA_ADMIN_PASSWORD]
        : [env.KAFKA_SASL_USERNAME, env.KAFKA_SASL_PASSWORD];
    return new Kafka({
      clientId,
      logLevel: logLevel.NOTHING,
      ...kafkaClientConfig({
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        KAFKA_SASL_USERNAME: username,
        KAFKA_SASL_PASSWORD: password,
      }),
    });
  }

  /** Resident memory (MB) of each running node's JVM, from /proc (0 for a node not running). */
  residentMb(): number[] {
    return [1, 2, 3].map((node) => {
      try {
        const pid = readFileSync(
          join(this.dir, 'kafka', `node-${node}`, 'kafka.pid'),
          'utf8',
        ).trim();
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
        return kb ? Math.round(Number(kb) / 1024) : 0;
      } catch {
        return 0;
      }
    });
  }
}
