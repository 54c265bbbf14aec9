import 'reflect-metadata';
import { ownerDataSource } from '../database/owner-data-source';

/** `npm run migration:run`: applies pending migrations as the owner role, one line per step. */
async function main(): Promise<void> {
  const revert = process.argv.includes('--revert');
  await ownerDataSource.initialize();
  try {
    if (revert) {
      await ownerDataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
      return;
    }
    const applied = await ownerDataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) console.log(`applied ${migration.name}`);
    console.log(
      applied.length === 0 ? 'schema is up to date' : `${applied.length} migration(s) applied`,
    );
  } finally {
    await ownerDataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
