import 'reflect-metadata';
import { benchQuota, printQuota } from './quota-check.bench';

/** `npm run bench:quota`: the quota check alone (the full set is `npm run bench`). */
async function main(): Promise<void> {
  printQuota(await benchQuota((line) => process.stderr.write(`[bench] ${line}\n`)));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
