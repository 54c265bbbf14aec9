import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enablePlatformRead, enableTenantIsolation } from './support/isolation';
import { crossTenantAttemptsFunction } from './support/cross-tenant-attempts';

/**
 * Data exports (data portability): one row per requested export of a tenant's data, with its
 * progress and, once complete, the archive's file name, size and SHA-256.
 *
 * - Tenant-owned: RLS forced, key (tenant_id, id); ids unique across tenants so a request naming
 *   another tenant's export can be recorded in that tenant's audit log (the caller gets 404).
 * - One export at a time per tenant: a partial unique index over the queued and running ones,
 *   so two requests racing both pass the service's check and the second still fails.
 * - The app role may SELECT, INSERT and UPDATE (progress); rows go only with a tenant purge.
 */
export class CreateDataExports1763900000080 implements MigrationInterface {
  name = 'CreateDataExports1763900000080';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE data_exports (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        status varchar(16) NOT NULL DEFAULT 'queued',
        requested_by_type varchar(16) NOT NULL,
        requested_by_id varchar(128),
        range_from timestamptz NOT NULL,
        range_to timestamptz NOT NULL,
        progress_percent smallint NOT NULL DEFAULT 0,
        rows_written bigint NOT NULL DEFAULT 0,
        events_total bigint,
        event_store varchar(16),
        file_name varchar(200),
        file_bytes bigint,
        file_sha256 char(64),
        error varchar(500),
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        heartbeat_at timestamptz,
        completed_at timestamptz,
        expires_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT data_exports_status_known
          CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        CONSTRAINT data_exports_range_ordered CHECK (range_to > range_from),
        CONSTRAINT data_exports_progress_percent CHECK (progress_percent BETWEEN 0 AND 100),
        CONSTRAINT data_exports_rows_not_negative CHECK (rows_written >= 0),
        CONSTRAINT data_exports_completed_has_file CHECK (
          status <> 'completed' OR (file_name IS NOT NULL AND file_sha256 IS NOT NULL
                                    AND expires_at IS NOT NULL))
      )`);
    await runner.query(
      `CREATE UNIQUE INDEX data_exports_one_active ON data_exports (tenant_id)
        WHERE status IN ('queued', 'running')`,
    );
    await runner.query('CREATE UNIQUE INDEX data_exports_id_unique ON data_exports (id)');
    await runner.query(
      'CREATE INDEX data_exports_tenant_created_idx ON data_exports (tenant_id, created_at DESC, id)',
    );
    await enableTenantIsolation(runner, 'data_exports');
    await enablePlatformRead(runner, 'data_exports');
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON data_exports TO ${appRole()}`);
    await runner.query(crossTenantAttemptsFunction({ invoices: true, dataExports: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(crossTenantAttemptsFunction({ invoices: true, dataExports: false }));
    await runner.query('DROP TABLE data_exports');
  }
}
