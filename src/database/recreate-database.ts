import { Client } from 'pg';
import type { MigrationRole } from '../../migrations/support/migration-role';
import { runMigrationsOn } from './placements/placement-migrations';

export interface OwnerConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  /** An existing database to connect to while (re)creating the target. */
  maintenanceDatabase: string;
}

/**
 * Drops and recreates `database` as the owner role, then applies every migration (as a control
 * database, or as a placement's with `role`). For test and benchmark runs only: it destroys
 * whatever the database held.
 */
export async function recreateDatabase(
  owner: OwnerConnection,
  database: string,
  role: MigrationRole = 'control',
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*_(test|bench)$/.test(database)) {
    throw new Error(`refusing to recreate ${database}: only *_test and *_bench databases`);
  }
  const admin = new Client({ ...owner, database: owner.maintenanceDatabase });
  await admin.connect().catch((error: Error) => {
    throw new Error(
      `Cannot reach PostgreSQL at ${owner.host}:${owner.port} (${error.message}); run bash scripts/stack.sh up`,
    );
  });
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${database}" TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  await runMigrationsOn(
    {
      host: owner.host,
      port: owner.port,
      database,
      username: owner.user,
      password: owner.password,
    },
    role,
  );
}
