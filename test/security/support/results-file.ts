import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventLoopDelay } from './event-loop';

/** Where the security suite leaves its latest run; the admin isolation report shows it. */
export const SECURITY_RESULTS_FILE = join(
  __dirname,
  '..',
  '..',
  'artifacts',
  'security-suite.json',
);

export interface SuiteResult {
  finished_at: string;
  result: 'passed' | 'failed';
  calls?: number;
  messages?: number;
  event_loop_delay_ms: EventLoopDelay;
  findings: unknown[];
  [detail: string]: unknown;
}

interface ResultsFile {
  finished_at: string;
  result: 'passed' | 'failed';
  suites: Record<string, SuiteResult>;
}

/**
 * Records one suite's run, keeping what the other security test files wrote: the file's result
 * is failed while any suite's latest run failed. Written whole through a rename, so a reader
 * never sees half a file.
 */
export function recordSuiteResult(
  name: string,
  suite: SuiteResult,
  file = SECURITY_RESULTS_FILE,
): void {
  let suites: Record<string, SuiteResult> = {};
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResultsFile>;
    if (previous.suites && typeof previous.suites === 'object') suites = previous.suites;
  } catch {
    // No file yet, or an unreadable one: start afresh.
  }
  suites[name] = suite;
  const results: ResultsFile = {
    finished_at: suite.finished_at,
    result: Object.values(suites).every((s) => s.result === 'passed') ? 'passed' : 'failed',
    suites,
  };
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(temporary, file);
}
