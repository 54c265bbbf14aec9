import 'reflect-metadata';
import { benchFlood, printFlood } from './flood.bench';

/** `npm run bench:flood`: the noisy-neighbour bench (over 3 minutes, so not in `npm run bench`). */
async function main(): Promise<void> {
  const result = await benchFlood((line) => process.stderr.write(`[bench] ${line}\n`));
  printFlood(result);
  if (result.runs.some((run) => !run.floodExactlyOnce)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
