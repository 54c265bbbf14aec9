import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { REPO_ROOT } from '../../src/config/stack-env';
import { recreateDatabase } from '../../src/database/recreate-database';

/** The siloed placement every test run has (when the stack runs postgres-silo). */
export const SILO_PLACEMENT = 'silo-1';
export const SILO_CONNECTION_REF = 'env:SILO1';

/** The silo database of a test run: `<name>_silo_test` beside `<name>_test`, on the silo cluster. */
export function siloTestDatabase(database: string): string {
  return database.replace(/_test$/, '') + '_silo_test';
}

/**
 * Placement silo-1's settings for a test run: stack.env's PLACEMENT_SILO1_* lines, or, when a
 * stack.sh without the silo service rewrote stack.env while the silo cluster runs, the same read
 * from the cluster's folder (its port file; the roles are the main cluster's). The database is
 * the run's own (siloTestDatabase).
 */
export function siloSettings(
  stack: Record<string, string>,
  database: string,
): Record<string, string> {
  let port = stack.PLACEMENT_SILO1_PORT;
  if (!port) {
    const file = join(
      process.env.TENANTRY_STACK_DIR ?? join(REPO_ROOT, '.stack'),
      'pg-silo',
      'port',
    );
    if (!existsSync(file)) return {};
    port = readFileSync(file, 'utf8').trim();
  }
  return {
    PLACEMENT_SILO1_HOST: stack.PLACEMENT_SILO1_HOST ?? '127.0.0.1',
    PLACEMENT_SILO1_PORT: port,
    PLACEMENT_SILO1_DATABASE: siloTestDatabase(database),
    PLACEMENT_SILO1_APP_USER: stack.PLACEMENT_SILO1_APP_USER ?? stack.DATABASE_APP_USER,
    PLACEMENT_SILO1_APP_PASSWORD: stack.PLACEMENT_SILO1_APP_PASSWORD ?? stack.DATABASE_APP_PASSWORD,
    PLACEMENT_SILO1_PLATFORM_USER:
      stack.PLACEMENT_SILO1_PLATFORM_USER ?? stack.DATABASE_PLATFORM_USER,
    PLACEMENT_SILO1_PLATFORM_PASSWORD:
      stack.PLACEMENT_SILO1_PLATFORM_PASSWORD ?? stack.DATABASE_PLATFORM_PASSWORD,
    PLACEMENT_SILO1_OWNER_USER: stack.PLACEMENT_SILO1_OWNER_USER ?? stack.DATABASE_OWNER_USER,
    PLACEMENT_SILO1_OWNER_PASSWORD:
      stack.PLACEMENT_SILO1_OWNER_PASSWORD ?? stack.DATABASE_OWNER_PASSWORD,
  };
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
  const silo = new Client({
    host: env.PLACEMENT_SILO1_HOST,
    port: Number(env.PLACEMENT_SILO1_PORT),
    user: env.PLACEMENT_SILO1_OWNER_USER,
    password: env.PLACEMENT_SILO1_OWNER_PASSWORD,
    database: env.PLACEMENT_SILO1_DATABASE,
  });
  await control.connect();
  await silo.connect();
  try {
    await control.query(
      `INSERT INTO placements (name, kind, connection_ref, clickhouse_database)
       VALUES ($1, 'siloed', $2, $3)`,
      [SILO_PLACEMENT, SILO_CONNECTION_REF, env.CLICKHOUSE_DATABASE],
    );
    // The plan copies, as the mirror makes them (PlacementMirrorService.syncPlans).
    const { rows } = await control.query<{ plans: unknown }>(
      'SELECT json_agg(p) AS plans FROM plans p',
    );
    await silo.query(
      'INSERT INTO plans SELECT * FROM json_populate_recordset(NULL::plans, $1::json)',
      [JSON.stringify(rows[0].plans)],
    );
  } finally {
    await control.end();
    await silo.end();
  }
}

/**
 * The databases the isolation suites check: the control database, and the silo's when the stack
 * runs the silo cluster (scripts/test.sh starts it; without it the suites check control only).
 */
export function databasesUnderTest(): ('control' | 'silo-1')[] {
  return siloConfigured() ? ['control', 'silo-1'] : ['control'];
}
