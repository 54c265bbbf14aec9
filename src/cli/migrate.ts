import 'reflect-metadata';
import { ownerDataSource } from '../database/owner-data-source';
import {
  credentialsOf,
  readPlacementConnection,
} from '../database/placements/placement-connection';
import { runMigrationsOn } from '../database/placements/placement-migrations';

/**
 * `npm run migration:run`: applies pending migrations as the owner role, one line per step: the
 * control database first, then every other placement's database (issue 18), each as its own
 * owner on its direct port. One placement failing is reported by name and makes the run exit 1;
 * the others are still migrated. `--placement NAME` migrates that placement only.
 */
async function main(): Promise<number> {
  const revert = process.argv.includes('--revert');
  const onlyIndex = process.argv.indexOf('--placement');
  const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
  await ownerDataSource.initialize();
  let placements: { name: string; connection_ref: string }[];
  try {
    if (revert) {
      await ownerDataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration (control database only)');
      return 0;
    }
    if (!only) {
      const applied = await ownerDataSource.runMigrations({ transaction: 'each' });
      for (const migration of applied) console.log(`applied ${migration.name}`);
      console.log(
        applied.length === 0
          ? 'control: schema is up to date'
          : `control: ${applied.length} migration(s) applied`,
      );
    }
    placements = await ownerDataSource.query(
      "SELECT name, connection_ref FROM placements WHERE connection_ref <> 'control' ORDER BY name",
    );
  } finally {
    await ownerDataSource.destroy();
  }
  let failures = 0;
  for (const placement of placements.filter((p) => !only || p.name === only)) {
    try {
      const settings = readPlacementConnection(placement.name, placement.connection_ref);
      const applied = await runMigrationsOn(
        {
          host: settings.HOST,
          port: settings.PORT,
          database: settings.DATABASE,
          ...credentialsOf(settings, 'owner', placement.name),
        },
        'placement',
      );
      console.log(
        `placement ${placement.name}: ${
          applied.length === 0 ? 'schema is up to date' : `${applied.length} migration(s) applied`
        }`,
      );
    } catch (error) {
      failures += 1;
      console.error(
        `placement ${placement.name}: migration failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (only && !placements.some((p) => p.name === only)) {
    console.error(`no placement named ${only} (other than the control database)`);
    return 1;
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
