import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * Stops or starts one server of the local stack (scripts/stack.sh), for fault tests. The suite
 * runs in band (npm test, scripts/test.sh), so no other test file runs meanwhile.
 */
export async function stack(
  action: 'up' | 'down',
  service: 'clickhouse' | 'kafka' | 'redis',
): Promise<void> {
  await promisify(execFile)('bash', ['scripts/stack.sh', action, service], {
    cwd: REPO_ROOT,
    timeout: 120_000,
  });
}
