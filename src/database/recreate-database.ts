import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';

export interface OwnerConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  /** An existing database to connect to while (re)creating the target. */
  maintenanceDatabase: string;
}

/**
 * Drops and recreates `database` as the owner role, then applies every migration. For test and
 * benchmark runs only: it destroys whatever the database held.
 */
export async function recreateDatabase(owner: OwnerConnection, database: string): Promise<void> {
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
  const dataSource = new DataSource(
    buildDataSourceOptions({ ...owner, database, username: owner.user, poolSize: 1 }),
  );
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
