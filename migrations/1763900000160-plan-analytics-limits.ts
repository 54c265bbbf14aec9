import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16, item 2: each plan version's analytics limits, read per request through the tenant's
 * terms (overrides on top).
 *
 * - `analytics_concurrent_queries`: analytics queries of one tenant running at once, all app
 *   copies together (a Redis lease semaphore);
 * - `analytics_query_seconds`: wall time per query (PostgreSQL statement_timeout in the query's
 *   transaction; on ClickHouse the app kills the query, the reader profile's
 *   max_execution_time staying the ceiling);
 * - `analytics_rows_per_query`: rows one query may read, where the store can enforce it.
 *
 * Plan versions are immutable, so the figures are backfilled into every existing version by
 * code (a version created later states its own); the defaults only serve that backfill and are
 * dropped after it.
 */
export class PlanAnalyticsLimits1763900000160 implements MigrationInterface {
  name = 'PlanAnalyticsLimits1763900000160';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE plans
        ADD COLUMN analytics_concurrent_queries integer NOT NULL DEFAULT 2,
        ADD COLUMN analytics_query_seconds integer NOT NULL DEFAULT 10,
        ADD COLUMN analytics_rows_per_query integer NOT NULL DEFAULT 20000000`);
    await runner.query(`
      UPDATE plans SET
        analytics_concurrent_queries = CASE code WHEN 'growth' THEN 4 WHEN 'enterprise' THEN 8 ELSE 2 END,
        analytics_query_seconds = CASE code WHEN 'growth' THEN 20 WHEN 'enterprise' THEN 30 ELSE 10 END,
        analytics_rows_per_query = CASE code WHEN 'growth' THEN 100000000
                                             WHEN 'enterprise' THEN 1000000000 ELSE 20000000 END`);
    await runner.query(`
      ALTER TABLE plans
        ALTER COLUMN analytics_concurrent_queries DROP DEFAULT,
        ALTER COLUMN analytics_query_seconds DROP DEFAULT,
        ALTER COLUMN analytics_rows_per_query DROP DEFAULT,
        ADD CONSTRAINT plans_analytics_limits_positive CHECK (
          analytics_concurrent_queries > 0 AND analytics_query_seconds > 0
          AND analytics_rows_per_query > 0)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE plans
        DROP COLUMN analytics_concurrent_queries,
        DROP COLUMN analytics_query_seconds,
        DROP COLUMN analytics_rows_per_query`);
  }
}
