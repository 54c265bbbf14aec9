import 'reflect-metadata';
import { benchTenantTransaction, printTenantTransaction } from './tenant-transaction.bench';

/** `npm run bench:tenant-transaction`: the tenant transaction's cost alone (all: `npm run bench`). */
async function main(): Promise<void> {
  printTenantTransaction(
    await benchTenantTransaction((line) => process.stderr.write(`[bench] ${line}\n`)),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
