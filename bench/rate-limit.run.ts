import 'reflect-metadata';
import { benchRateLimit, printRateLimit } from './rate-limit.bench';

/** `npm run bench:rate-limit`: the per-tenant rate-limit check's cost alone (all: `npm run bench`). */
async function main(): Promise<void> {
  printRateLimit(await benchRateLimit((line) => process.stderr.write(`[bench] ${line}\n`)));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
