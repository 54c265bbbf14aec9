import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, platformRole } from './support/isolation';
import { migrationRole } from './support/migration-role';

/**
 * Placements (issue 18): where a tenant's rows live. `placements` lists the databases (the
 * control database is the `pooled` one; a siloed tenant gets a database of its own, with this
 * same schema) and never holds a password: `connection_ref` only says where the settings are
 * (`control`, `env:NAME` for PLACEMENT_NAME_* variables, or a `file:` path).
 *
 * tenants gains `placement_id` (control: NOT NULL, default the pooled row), `placement_epoch`
 * (bumped by every move's flip; TenantContext fences each transaction on it) and
 * `provisioning` (a siloed tenant being created: not served until cleared).
 *
 * In a placement database (MIGRATION_ROLE=placement) the tenants and plans rows are copies made
 * by the mirror from control: placements stays empty, placement_id stays nullable without a
 * foreign key, the seeded plan rows are removed (the mirror copies control's, ids included) and
 * the platform role may insert the copies.
 */
export class Placements1763900000270 implements MigrationInterface {
  name = 'Placements1763900000270';

  async up(runner: QueryRunner): Promise<void> {
    const [app, platform] = [appRole(), platformRole()];
    await runner.query(`
      CREATE TABLE placements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(63) NOT NULL,
        kind varchar(16) NOT NULL,
        connection_ref text NOT NULL,
        clickhouse_cluster varchar(63),
        clickhouse_database varchar(63) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT placements_name_unique UNIQUE (name),
        CONSTRAINT placements_name_format CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        CONSTRAINT placements_kind_known CHECK (kind IN ('pooled', 'siloed')),
        CONSTRAINT placements_status_known CHECK (status IN ('active', 'draining', 'disabled')),
        -- A reference, never a DSN or a password.
        CONSTRAINT placements_connection_ref_format
          CHECK (connection_ref ~ '^(control|env:[A-Z0-9_]{1,40}|file:/[^ ]+)$'),
        CONSTRAINT placements_control_is_pooled CHECK ((connection_ref = 'control') = (kind = 'pooled'))
      )`);
    await runner.query(`GRANT SELECT ON placements TO ${app}`);
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON placements TO ${platform}`);
    await runner.query(`
      ALTER TABLE tenants
        ADD COLUMN placement_id uuid,
        ADD COLUMN placement_epoch integer NOT NULL DEFAULT 0,
        ADD COLUMN provisioning boolean NOT NULL DEFAULT false`);

    // The plan feature of the siloed tier: enterprise's (its seeded version; a placement's plan
    // rows are control's copies).
    await runner.query('ALTER TABLE plans DROP CONSTRAINT plans_features_known');
    await runner.query(`
      ALTER TABLE plans ADD CONSTRAINT plans_features_known CHECK
        (features <@ ARRAY['white_label', 'sso', 'funnels_retention', 'dedicated_database']::text[])`);

    if (migrationRole() === 'control') {
      await runner.query(
        `UPDATE plans SET features = features || '{dedicated_database}'
          WHERE code = 'enterprise' AND NOT 'dedicated_database' = ANY (features)`,
      );
      await runner.query(
        `INSERT INTO placements (name, kind, connection_ref, clickhouse_database)
         VALUES ('pooled', 'pooled', 'control', $1)`,
        [process.env.CLICKHOUSE_DATABASE || 'tenantry'],
      );
      await runner.query(
        "UPDATE tenants SET placement_id = (SELECT id FROM placements WHERE name = 'pooled')",
      );
      // A DEFAULT takes no subquery: the pooled row's id, formatted in the server.
      await runner.query(`
        DO $$ BEGIN
          EXECUTE format('ALTER TABLE tenants ALTER COLUMN placement_id SET DEFAULT %L::uuid',
                         (SELECT id FROM placements WHERE name = 'pooled'));
        END $$`);
      await runner.query('ALTER TABLE tenants ALTER COLUMN placement_id SET NOT NULL');
      await runner.query(
        'ALTER TABLE tenants ADD CONSTRAINT tenants_placement_fk FOREIGN KEY (placement_id) REFERENCES placements (id)',
      );
      await runner.query('CREATE INDEX tenants_placement_idx ON tenants (placement_id, status)');
    } else {
      // Copies only: the mirror writes them as the platform role, ids as in control.
      await runner.query('DELETE FROM plans');
      await runner.query(`GRANT INSERT ON tenants TO ${platform}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    if (migrationRole() === 'placement') {
      await runner.query(`REVOKE INSERT ON tenants FROM ${platformRole()}`);
    }
    await runner.query('DROP INDEX IF EXISTS tenants_placement_idx');
    await runner.query(`
      ALTER TABLE tenants
        DROP COLUMN placement_id,
        DROP COLUMN placement_epoch,
        DROP COLUMN provisioning`);
    await runner.query('DROP TABLE placements');
    await runner.query(`UPDATE plans SET features = array_remove(features, 'dedicated_database')`);
    await runner.query('ALTER TABLE plans DROP CONSTRAINT plans_features_known');
    await runner.query(`
      ALTER TABLE plans ADD CONSTRAINT plans_features_known CHECK
        (features <@ ARRAY['white_label', 'sso', 'funnels_retention']::text[])`);
  }
}
