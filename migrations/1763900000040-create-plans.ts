import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation, platformRole } from './support/isolation';

/**
 * Issue 13: the plan catalogue and each tenant's plan.
 *
 * - `plans` (platform-owned, no tenant_id): versioned, immutable rows; a price or limit change
 *   is a new version of the same code, and the current version of a code is its highest. Seeded
 *   with the three tiers. The app role reads it (entitlements on every request); only the
 *   platform role adds versions; nobody updates or deletes one, so a tenant's signed version
 *   never changes under it.
 * - `tenants.plan_id`: the version the tenant signed (backfilled from `tier`, version 1), and
 *   `tenants.plan_overrides`: a contract's limits or price on top of it (a JSON object the API
 *   validates field by field).
 * - `tenant_plan_periods` (tenant-owned, FORCE RLS): which version applied from when until when,
 *   so an invoice prorates by seconds; one open period per tenant.
 */
export class CreatePlans1763900000040 implements MigrationInterface {
  name = 'CreatePlans1763900000040';

  async up(runner: QueryRunner): Promise<void> {
    const [app, platform] = [appRole(), platformRole()];
    await runner.query(`
      CREATE TABLE plans (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code varchar(16) NOT NULL,
        version integer NOT NULL,
        price_cents_per_month integer NOT NULL,
        events_per_month integer NOT NULL,
        over_quota varchar(16) NOT NULL,
        overage_cents_per_1000_events integer NOT NULL,
        api_requests_per_minute integer NOT NULL,
        storage_gb integer NOT NULL,
        users integer,
        event_sources integer,
        data_retention_days integer NOT NULL,
        features text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT plans_code_version_unique UNIQUE (code, version),
        CONSTRAINT plans_code_known CHECK (code IN ('starter', 'growth', 'enterprise')),
        CONSTRAINT plans_version_positive CHECK (version >= 1),
        CONSTRAINT plans_price_not_negative CHECK (price_cents_per_month >= 0),
        CONSTRAINT plans_events_positive CHECK (events_per_month >= 1),
        CONSTRAINT plans_over_quota_known CHECK (over_quota IN ('refuse', 'overage')),
        CONSTRAINT plans_overage_not_negative CHECK (overage_cents_per_1000_events >= 0),
        CONSTRAINT plans_requests_positive CHECK (api_requests_per_minute >= 1),
        CONSTRAINT plans_storage_positive CHECK (storage_gb >= 1),
        CONSTRAINT plans_users_positive CHECK (users IS NULL OR users >= 1),
        CONSTRAINT plans_event_sources_not_negative CHECK (event_sources IS NULL OR event_sources >= 0),
        CONSTRAINT plans_retention_bounded CHECK (data_retention_days BETWEEN 1 AND 730),
        CONSTRAINT plans_features_known
          CHECK (features <@ ARRAY['white_label', 'sso', 'funnels_retention']::text[])
      )`);
    await runner.query(`
      INSERT INTO plans (code, version, price_cents_per_month, events_per_month, over_quota,
                         overage_cents_per_1000_events, api_requests_per_minute, storage_gb, users,
                         event_sources, data_retention_days, features)
      VALUES
        ('starter', 1, 9900, 1000000, 'refuse', 0, 100, 10, 5, 2, 90, '{}'),
        ('growth', 1, 49900, 10000000, 'overage', 5, 500, 50, 20, 10, 180,
         '{sso,funnels_retention}'),
        ('enterprise', 1, 249900, 100000000, 'overage', 3, 2000, 500, NULL, NULL, 730,
         '{white_label,sso,funnels_retention}')`);
    await runner.query(`GRANT SELECT ON plans TO ${app}`);
    await runner.query(`GRANT SELECT, INSERT ON plans TO ${platform}`);

    await runner.query('ALTER TABLE tenants ADD COLUMN plan_id uuid REFERENCES plans (id)');
    await runner.query(
      `UPDATE tenants SET plan_id = plans.id FROM plans
        WHERE plans.code = tenants.tier AND plans.version = 1`,
    );
    await runner.query('ALTER TABLE tenants ALTER COLUMN plan_id SET NOT NULL');
    // A tenant inserted without a plan (by SQL, outside the app) gets its tier's current
    // version, so plan_id and tier never disagree from the start.
    await runner.query(`
      CREATE FUNCTION tenants_plan_from_tier() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        IF NEW.plan_id IS NULL THEN
          SELECT p.id INTO NEW.plan_id FROM public.plans p
           WHERE p.code = NEW.tier ORDER BY p.version DESC LIMIT 1;
        END IF;
        RETURN NEW;
      END $$`);
    await runner.query(`
      CREATE TRIGGER tenants_plan_from_tier BEFORE INSERT ON tenants
        FOR EACH ROW EXECUTE FUNCTION tenants_plan_from_tier()`);
    await runner.query('CREATE INDEX tenants_plan_id_idx ON tenants (plan_id)');
    await runner.query(`
      ALTER TABLE tenants ADD COLUMN plan_overrides jsonb NOT NULL DEFAULT '{}'::jsonb
        CONSTRAINT tenants_plan_overrides_object CHECK (jsonb_typeof(plan_overrides) = 'object')`);

    await runner.query(`
      CREATE TABLE tenant_plan_periods (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        plan_id uuid NOT NULL REFERENCES plans (id),
        effective_from timestamptz NOT NULL,
        effective_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT tenant_plan_periods_ordered
          CHECK (effective_until IS NULL OR effective_until >= effective_from)
      )`);
    await runner.query(
      `CREATE UNIQUE INDEX tenant_plan_periods_one_open ON tenant_plan_periods (tenant_id)
        WHERE effective_until IS NULL`,
    );
    await runner.query(
      'CREATE INDEX tenant_plan_periods_from_idx ON tenant_plan_periods (tenant_id, effective_from)',
    );
    // Existing tenants: one open period on their backfilled plan since they were created.
    await runner.query(
      `INSERT INTO tenant_plan_periods (tenant_id, plan_id, effective_from)
       SELECT id, plan_id, created_at FROM tenants`,
    );
    await enableTenantIsolation(runner, 'tenant_plan_periods');
    // The app opens a new tenant's first period while provisioning it; plan changes (closing a
    // period, opening the next) are /admin paths on the platform role.
    await runner.query(`GRANT SELECT, INSERT ON tenant_plan_periods TO ${app}`);
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON tenant_plan_periods TO ${platform}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tenant_plan_periods');
    await runner.query('ALTER TABLE tenants DROP COLUMN plan_overrides');
    await runner.query('DROP TRIGGER tenants_plan_from_tier ON tenants');
    await runner.query('DROP FUNCTION tenants_plan_from_tier()');
    await runner.query('ALTER TABLE tenants DROP COLUMN plan_id');
    await runner.query('DROP TABLE plans');
  }
}
