import 'reflect-metadata';
import { benchBackupCatalogue, printBackupCatalogue } from './backup-catalogue.bench';

/** `npm run bench:backups`: the backup catalogue's read of a full BACKUP_DIR. */
async function main(): Promise<void> {
  printBackupCatalogue(
    await benchBackupCatalogue((line) => process.stderr.write(`[bench] ${line}\n`)),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
