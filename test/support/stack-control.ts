import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO_ROOT = join(__dirname, '..', '..');

/** A server of the local stack, or one node (kafka@N) of a KAFKA_NODES=3 Kafka cluster. */
export type StackService = 'clickhouse' | 'kafka' | 'redis' | `kafka@${number}`;

/**
 * Stops or starts one server of the local stack (scripts/stack.sh), for fault tests. The suite
 * runs in band (npm test, scripts/test.sh), so no other test file runs meanwhile. `env` points the
 * script at another stack folder (TENANTRY_STACK_DIR, its ports); `kill` stops with SIGKILL (a
 * crash, for kafka@N) instead of a clean shutdown. Answers the script's output.
 */
export async function stack(
  action: 'up' | 'down',
  service: StackService,
  options: {
    env?: Record<string, string>;
    kill?: boolean;
    purge?: boolean;
    timeoutMs?: number;
  } = {},
): Promise<string> {
  const flags = [...(options.kill ? ['--kill'] : []), ...(options.purge ? ['--purge'] : [])];
  const { stdout } = await promisify(execFile)(
    'bash',
    ['scripts/stack.sh', action, ...flags, service],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      timeout: options.timeoutMs ?? 120_000,
    },
  );
  return stdout;
}
