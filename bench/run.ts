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
import { benchExport, printExport } from './export.bench';
import { benchIngestion, printIngestion } from './ingestion.bench';
import { benchQuota, printQuota } from './quota-check.bench';
import { benchRateLimit, printRateLimit } from './rate-limit.bench';
import { benchTenantTransaction, printTenantTransaction } from './tenant-transaction.bench';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** `npm run bench`: every benchmark in one run, a table on stdout, JSON under bench/results/. */
async function main(): Promise<void> {
  const started = Date.now();
  // `npm run bench -- --requests 100` and the like go to the analytics bench (its --help).
  const analyticsOptions = parseAnalyticsOptions(process.argv.slice(2));
  const validation = benchEventValidation(log);
  const tx = await benchTenantTransaction(log);
  const rateLimit = await benchRateLimit(log);
  const quota = await benchQuota(log);
  const ingestion = await benchIngestion(log);
  const analytics = await benchAnalytics(log, analyticsOptions);
  const dataExport = await benchExport(log);

  console.log('\nEvent validation (one event, the ingestion hot path; one core)');
  console.log(
    `ajv compiled schema: ${validation.ajvEventsPerSecond.toFixed(0)} events/s; class-validator: ${validation.classValidatorEventsPerSecond.toFixed(0)} events/s; ajv is ${validation.speedup.toFixed(1)}x faster (${validation.events} events)`,
  );

  printTenantTransaction(tx);

  printRateLimit(rateLimit);

  printQuota(quota);

  printIngestion(ingestion);

  printAnalytics(analytics);

  printExport(dataExport);

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
        rateLimit,
        quota,
        ingestion,
        analytics,
        dataExport,
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
