import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/** The first tenant-owned table: one row of presentation defaults per tenant. */
export class CreateTenantSettings1763900000001 implements MigrationInterface {
  name = 'CreateTenantSettings1763900000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tenant_settings (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
        timezone varchar(64) NOT NULL DEFAULT 'UTC',
        locale varchar(35) NOT NULL DEFAULT 'en',
        currency char(3) NOT NULL DEFAULT 'USD',
        date_format varchar(16) NOT NULL DEFAULT 'YYYY-MM-DD',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await enableTenantIsolation(runner, 'tenant_settings');
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON tenant_settings TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tenant_settings');
  }
}
