import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/config/stack-env';
import { benchSdkTraffic, printSdkTraffic } from './sdk-traffic.bench';

/**
 * `npm run bench:sdk`: ingestion in big batches and SDK-shaped traffic at 1,000 and 10,000
 * tenants, the credential cache off and on in one run (BENCH_SDK_TENANTS, BENCH_SDK_REQUESTS,
 * BENCH_SDK_BIG_EVENTS size it). JSON under bench/results/.
 */
async function main(): Promise<void> {
  const result = await benchSdkTraffic((line) => process.stderr.write(`[bench] ${line}\n`));
  printSdkTraffic(result);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `sdk-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), sdkTraffic: result }, null, 2),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
