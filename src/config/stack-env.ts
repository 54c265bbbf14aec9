import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (nearest folder with package.json), from src/ (ts) or dist/src/ (js). */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * The variables scripts/stack.sh wrote for the running local stack (empty if none), or for the
 * stack in `dir`. Only tests, benchmarks and dev tooling read it; the app itself reads its
 * environment.
 */
export function readStackEnv(
  dir = process.env.TENANTRY_STACK_DIR ?? join(REPO_ROOT, '.stack'),
): Record<string, string> {
  const file = join(dir, 'stack.env');
  if (!existsSync(file)) return {};
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => /^\s*(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, key, value]): [string, string] => [key, value.replace(/^(['"])(.*)\1$/, '$2')]);
  return Object.fromEntries(entries);
}
