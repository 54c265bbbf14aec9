import type { MigrationInterface, QueryRunner } from 'typeorm';
import { platformRole } from './support/isolation';

/**
 * Leases (issue 18): "one holder at a time" for long platform work (a tenant's purge) that must
 * hold through PgBouncer in transaction mode, where a session advisory lock would stay on a
 * server connection PgBouncer hands to other clients. The row is the lease's fencing token (its
 * holder, checked by each write made under it); the exclusion itself is a transaction advisory
 * lock held open by the holder (PlatformLeasesService), so expires_at is 'infinity' there.
 * Platform-owned: no tenant_id, no RLS; only the platform role uses it.
 */
export class CreatePlatformLeases1763900000280 implements MigrationInterface {
  name = 'CreatePlatformLeases1763900000280';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE platform_leases (
        name varchar(200) PRIMARY KEY,
        holder uuid NOT NULL,
        acquired_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await runner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON platform_leases TO ${platformRole()}`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE platform_leases');
  }
}
