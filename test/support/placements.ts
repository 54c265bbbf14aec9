import { Client } from 'pg';
import { recreateDatabase } from '../../src/database/recreate-database';

/** The siloed placement every test run has (when the stack runs postgres-silo). */
export const SILO_PLACEMENT = 'silo-1';
export const SILO_CONNECTION_REF = 'env:SILO1';

/** The silo database of a test run: `<name>_silo_test` beside `<name>_test`, on the silo cluster. */
export function siloTestDatabase(database: string): string {
  return database.replace(/_test$/, '') + '_silo_test';
}

/** True when the stack's silo cluster is configured (stack.env has PLACEMENT_SILO1_*). */
export function siloConfigured(env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(env.PLACEMENT_SILO1_HOST && env.PLACEMENT_SILO1_PORT);
}

/** Fails with what to do when a test needs the silo cluster and the stack has none. */
export function requireSilo(env: Record<string, string | undefined> = process.env): void {
  if (!siloConfigured(env)) {
    throw new Error(
      'the silo cluster is not running: PG_SILO=on bash scripts/stack.sh up (or up postgres-silo)',
    );
  }
}

/**
 * Global setup: recreate the run's silo database on the silo cluster with the placement schema,
 * and list it in the control test database as placement silo-1 (connection_ref env:SILO1).
 */
export async function prepareSiloPlacement(env: Record<string, string>): Promise<void> {
  await recreateDatabase(
    {
      host: env.PLACEMENT_SILO1_HOST,
      port: Number(env.PLACEMENT_SILO1_PORT),
      user: env.PLACEMENT_SILO1_OWNER_USER,
      password: env.PLACEMENT_SILO1_OWNER_PASSWORD,
      maintenanceDatabase: 'postgres',
    },
    env.PLACEMENT_SILO1_DATABASE,
    'placement',
  );
  const control = new Client({
    host: env.DATABASE_HOST,
    port: Number(env.DATABASE_PORT),
    user: env.DATABASE_OWNER_USER,
    password: env.DATABASE_OWNER_PASSWORD,
    database: env.DATABASE_NAME,
  });
  await control.connect();
  try {
    await control.query(
      `INSERT INTO placements (name, kind, connection_ref, clickhouse_database)
       VALUES ($1, 'siloed', $2, $3)`,
      [SILO_PLACEMENT, SILO_CONNECTION_REF, env.CLICKHOUSE_DATABASE],
    );
  } finally {
    await control.end();
  }
}
