import 'reflect-metadata';
import { benchExport, parseExportOptions, printExport } from './export.bench';

/**
 * `npm run bench:export [-- --events N --store postgres|clickhouse|both]`: export throughput and
 * the app's peak RSS for one tenant's events (default 2,000,000 on both stores).
 */
async function main(): Promise<void> {
  const options = parseExportOptions(process.argv.slice(2));
  printExport(await benchExport((line) => process.stderr.write(`[bench] ${line}\n`), options));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
