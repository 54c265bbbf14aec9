import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where the security suite leaves the outcome of its last run, for GET /admin/isolation-report
 * and its CLI: `{ finished_at, result, suites: { <name>: { finished_at, result, ... } } }`.
 */
export const SECURITY_RESULTS_FILE = join(__dirname, '../../artifacts/security-suite.json');

interface SuiteRecord {
  result: 'passed' | 'failed';
  [detail: string]: unknown;
}

/** Records one part of the suite, keeping the others' last records. */
export function recordSuiteResult(name: string, record: SuiteRecord): void {
  const previous = existsSync(SECURITY_RESULTS_FILE)
    ? (JSON.parse(readFileSync(SECURITY_RESULTS_FILE, 'utf8')) as {
        suites?: Record<string, SuiteRecord>;
      })
    : {};
  const finishedAt = new Date().toISOString();
  const suites = { ...(previous.suites ?? {}), [name]: { finished_at: finishedAt, ...record } };
  const result = Object.values(suites).every((suite) => suite.result === 'passed')
    ? 'passed'
    : 'failed';
  mkdirSync(dirname(SECURITY_RESULTS_FILE), { recursive: true });
  writeFileSync(
    SECURITY_RESULTS_FILE,
    `${JSON.stringify({ finished_at: finishedAt, result, suites }, null, 2)}\n`,
  );
}
