import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../config/stack-env';

/**
 * Where the standing security suite (test/security/, issue 11) writes the result of its last
 * run, as one JSON object:
 *
 *   { "suite": "test/security", "started_at": "<ISO 8601>", "finished_at": "<ISO 8601>",
 *     "passed": true, "tests": { "total": 120, "failed": 0 }, "commit": "<git sha>",
 *     "findings": ["<one line each>"] }
 *
 * `finished_at` and `passed` are required; the rest is optional.
 */
export const SECURITY_SUITE_RESULT = join(REPO_ROOT, 'test', 'artifacts', 'security-suite.json');

export type SecuritySuiteStatus =
  | { status: 'never_run'; file: string }
  | {
      status: 'passed' | 'failed';
      file: string;
      finished_at: string;
      started_at?: string;
      tests?: { total?: number; failed?: number };
      commit?: string;
      findings?: string[];
    }
  | { status: 'unreadable'; file: string; error: string };

/** The last run of the security suite, from the file it writes; `never_run` when there is none. */
export async function lastSecuritySuiteRun(
  file = SECURITY_SUITE_RESULT,
): Promise<SecuritySuiteStatus> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { status: 'never_run', file };
    return { status: 'unreadable', file, error: (error as Error).message };
  }
  try {
    const result = JSON.parse(text) as Record<string, unknown>;
    if (typeof result.passed !== 'boolean' || typeof result.finished_at !== 'string') {
      return {
        status: 'unreadable',
        file,
        error: 'needs "passed" (boolean) and "finished_at" (ISO 8601)',
      };
    }
    return {
      status: result.passed ? 'passed' : 'failed',
      file,
      finished_at: result.finished_at,
      ...(typeof result.started_at === 'string' ? { started_at: result.started_at } : {}),
      ...(typeof result.tests === 'object' && result.tests ? { tests: result.tests } : {}),
      ...(typeof result.commit === 'string' ? { commit: result.commit } : {}),
      ...(Array.isArray(result.findings) ? { findings: result.findings.map(String) } : {}),
    };
  } catch (error) {
    return { status: 'unreadable', file, error: (error as Error).message };
  }
}
