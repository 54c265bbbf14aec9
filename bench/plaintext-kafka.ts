import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/config/stack-env';

/**
 * A throwaway Kafka broker without SASL or ACLs, beside the stack's own (which requires both),
 * so the cost of authentication is measured against the same broker without it in one run. Its
 * data lives under .stack/bench-plaintext and is dropped on stop.
 */
export class PlaintextKafka {
  readonly brokers = `127.0.0.1:${process.env.BENCH_PLAINTEXT_KAFKA_PORT ?? '59192'}`;
  private readonly env = {
    ...process.env,
    TENANTRY_STACK_DIR: join(REPO_ROOT, '.stack', 'bench-plaintext'),
    KAFKA_SASL: 'off',
    KAFKA_PORT: process.env.BENCH_PLAINTEXT_KAFKA_PORT ?? '59192',
    KAFKA_CONTROLLER_PORT: process.env.BENCH_PLAINTEXT_KAFKA_CONTROLLER_PORT ?? '59193',
  };

  start(): void {
    this.stack('up', 'kafka');
  }

  stop(): void {
    this.stack('down', '--purge', 'kafka');
  }

  private stack(...args: string[]): void {
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'stack.sh'), ...args], {
      env: this.env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
}
