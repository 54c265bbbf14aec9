import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enablePlatformRead, enableTenantIsolation } from './support/isolation';
import { randomUUID } from 'node:crypto';

/**
 * Saved dashboards: a name and a list of widgets (jsonb, validated by the app: kind, metric and
 * per-kind options, each with a stable id). Tenant-owned: RLS forced, key (tenant_id, id), the
 * list index leads with tenant_id. At most one default dashboard per tenant (partial unique
 * index); every tenant gets one when provisioned, and this migration backfills it for the
 * tenants that exist already (before RLS is switched on, so the owner role may insert for each).
 * `platform_read` lets record_cross_tenant_attempt (migration 1763900000022) find a
 * dashboard's owning tenant; the app role gains nothing from it.
 */
export class CreateDashboards1763900000021 implements MigrationInterface {
  name = 'CreateDashboards1763900000021';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE dashboards (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        widgets jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(widgets) = 'array'),
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await runner.query(
      'CREATE INDEX dashboards_tenant_created_idx ON dashboards (tenant_id, created_at, id)',
    );
    await runner.query(
      'CREATE UNIQUE INDEX dashboards_one_default ON dashboards (tenant_id) WHERE is_default',
    );
    // Backfill: one default dashboard per existing tenant, each widget with its own id. The
    // widgets are written out here rather than imported from the app, so this migration does
    // the same thing whenever it runs (src/analytics/dashboards/default-dashboard.ts is the
    // app's copy for new tenants).
    const tenants = (await runner.query('SELECT id FROM tenants')) as { id: string }[];
    for (const tenant of tenants) {
      await runner.query(
        'INSERT INTO dashboards (tenant_id, name, widgets, is_default) VALUES ($1, $2, $3::jsonb, true)',
        [tenant.id, 'Overview', JSON.stringify(backfillWidgets())],
      );
    }
    await enableTenantIsolation(runner, 'dashboards');
    await enablePlatformRead(runner, 'dashboards');
    await runner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON dashboards TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE dashboards');
  }
}

function backfillWidgets(): unknown[] {
  return [
    {
      id: randomUUID(),
      kind: 'kpi',
      title: 'Events',
      metric: 'events',
      options: { range_days: 7 },
    },
    { id: randomUUID(), kind: 'kpi', title: 'Users', metric: 'users', options: { range_days: 7 } },
    {
      id: randomUUID(),
      kind: 'timeseries',
      title: 'Events per day',
      metric: 'events',
      options: { range_days: 30, interval: 'day' },
    },
    {
      id: randomUUID(),
      kind: 'breakdown',
      title: 'Top events',
      metric: 'events',
      options: { range_days: 7, dimension: 'event_type', limit: 10 },
    },
  ];
}
