import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../data-source-options';
import type { MigrationRole } from '../../../migrations/support/migration-role';

/**
 * Applies every pending migration to one database as its owner, with MIGRATION_ROLE set for the
 * run (the placements migration does less in a placement database than in control). Direct
 * connection only: never through PgBouncer.
 */
export async function runMigrationsOn(
  connection: { host: string; port: number; database: string; username: string; password: string },
  role: MigrationRole,
): Promise<string[]> {
  const dataSource = new DataSource(
    buildDataSourceOptions({ ...connection, poolSize: 1, applicationName: 'tenantry-migrate' }),
  );
  const previous = process.env.MIGRATION_ROLE;
  process.env.MIGRATION_ROLE = role;
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    if (previous === undefined) delete process.env.MIGRATION_ROLE;
    else process.env.MIGRATION_ROLE = previous;
    await dataSource.destroy();
  }
}
