import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/config/stack-env';
import {
  analyticsFailures,
  benchAnalytics,
  parseOptions as parseAnalyticsOptions,
  printAnalytics,
} from './analytics.bench';
import { benchEventValidation } from './event-validation.bench';
import { benchIngestion, printIngestion } from './ingestion.bench';
import { benchTenantTransaction } from './tenant-transaction.bench';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const ms = (value: number) => value.toFixed(3).padStart(9);

/** `npm run bench`: every benchmark in one run, a table on stdout, JSON under bench/results/. */
async function main(): Promise<void> {
  const started = Date.now();
  // `npm run bench -- --requests 100` and the like go to the analytics bench (its --help).
  const analyticsOptions = parseAnalyticsOptions(process.argv.slice(2));
  const validation = benchEventValidation(log);
  const tx = await benchTenantTransaction(log);
  const ingestion = await benchIngestion(log);
  const analytics = await benchAnalytics(log, analyticsOptions);

  console.log('\nEvent validation (one event, the ingestion hot path; one core)');
  console.log(
    `ajv compiled schema: ${validation.ajvEventsPerSecond.toFixed(0)} events/s; class-validator: ${validation.classValidatorEventsPerSecond.toFixed(0)} events/s; ajv is ${validation.speedup.toFixed(1)}x faster (${validation.events} events)`,
  );

  const rows = [
    ['GET /v1/settings (tenant transaction)', tx.withTransaction],
    ['same handler, no transaction', tx.withoutTransaction],
  ] as const;
  console.log(
    '\nTenant transaction: per-request cost (sequential requests, one keep-alive connection)',
  );
  console.log(
    `${'route'.padEnd(40)} ${'requests'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p90 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'mean ms'.padStart(9)}`,
  );
  for (const [label, s] of rows) {
    console.log(
      `${label.padEnd(40)} ${String(s.requests).padStart(8)} ${ms(s.p50)} ${ms(s.p90)} ${ms(s.p99)} ${ms(s.mean)}`,
    );
  }
  console.log(
    `ratio with/without: p50 ${tx.ratio.p50.toFixed(2)}x, p99 ${tx.ratio.p99.toFixed(2)}x, mean ${tx.ratio.mean.toFixed(2)}x` +
      ` (extra per request: p50 +${(tx.withTransaction.p50 - tx.withoutTransaction.p50).toFixed(3)} ms)`,
  );
  console.log(
    `throughput GET /v1/settings: ${tx.throughput.requestsPerSecond.toFixed(0)} req/s with ${tx.throughput.connections} connections` +
      ` over ${tx.throughput.seconds}s, p99 ${tx.throughput.p99Ms} ms, errors ${tx.throughput.errors}`,
  );

  printIngestion(ingestion);

  printAnalytics(analytics);

  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
        eventValidation: validation,
        tenantTransaction: tx,
        ingestion,
        analytics,
      },
      null,
      2,
    ),
  );
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)}s; results in ${file}`);
  const failures = analyticsFailures(analytics);
  if (failures.length > 0) throw new Error(`analytics routes failed:\n  ${failures.join('\n  ')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
