import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * usage_daily learns storage: the daily job's estimate of the bytes the tenant's data takes in
 * the stores that day (null until measured). The table keeps its RLS, policy and grants.
 */
export class UsageStorage1763900000050 implements MigrationInterface {
  name = 'UsageStorage1763900000050';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE usage_daily ADD COLUMN storage_bytes bigint');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE usage_daily DROP COLUMN storage_bytes');
  }
}
