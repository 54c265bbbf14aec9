import 'reflect-metadata';
import { benchIngestion, printIngestion } from './ingestion.bench';

/** `npm run bench:ingestion`: the ingestion benchmark alone (the full set is `npm run bench`). */
async function main(): Promise<void> {
  const result = await benchIngestion((line) => process.stderr.write(`[bench] ${line}\n`));
  printIngestion(result);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
