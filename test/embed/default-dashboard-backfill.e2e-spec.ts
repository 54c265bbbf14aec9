import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';
import { CreateDashboards1763900000021 } from '../../migrations/1763900000021-create-dashboards';
import { buildDataSourceOptions } from '../../src/database/data-source-options';

/**
 * Migration 1763900000021 gives every tenant that existed before dashboards did its default
 * dashboard: run the migrations before it on a scratch database, add tenants, run the rest.
 */
describe('default dashboard backfill', () => {
  const database = `${process.env.DATABASE_NAME}_backfill`.replace(
    /_test_backfill$/,
    '_backfill_test',
  );
  const owner = {
    host: process.env.DATABASE_HOST!,
    port: Number(process.env.DATABASE_PORT),
    user: process.env.DATABASE_OWNER_USER!,
    password: process.env.DATABASE_OWNER_PASSWORD!,
  };
  const admin = () => new Client({ ...owner, database: 'postgres' });

  const migrate = async (upTo: number) => {
    const source = new DataSource({
      ...buildDataSourceOptions({ ...owner, username: owner.user, database, poolSize: 1 }),
      migrations: ALL_MIGRATIONS.slice(0, upTo),
    });
    await source.initialize();
    try {
      await source.runMigrations({ transaction: 'each' });
    } finally {
      await source.destroy();
    }
  };

  beforeAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${database}" TEMPLATE template0`);
    await client.end();
  });
  afterAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
  });

  it('makes one default Overview dashboard, with widget ids, for each existing tenant', async () => {
    const before = ALL_MIGRATIONS.indexOf(CreateDashboards1763900000021);
    expect(before).toBeGreaterThan(0);
    await migrate(before);
    const client = new Client({ ...owner, database });
    await client.connect();
    try {
      const { rows: tenants } = await client.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ('A', 'backfill-a'), ('B', 'backfill-b') RETURNING id",
      );
      await migrate(ALL_MIGRATIONS.length);
      for (const { id } of tenants) {
        await client.query('BEGIN');
        await client.query("SELECT set_config('app.tenant_id', $1, true)", [id]);
        const { rows } = await client.query<{
          name: string;
          is_default: boolean;
          widgets: { id: string; kind: string }[];
        }>('SELECT name, is_default, widgets FROM dashboards');
        await client.query('ROLLBACK');
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ name: 'Overview', is_default: true });
        expect(rows[0].widgets.map((w) => w.kind)).toEqual([
          'kpi',
          'kpi',
          'timeseries',
          'breakdown',
        ]);
        expect(new Set(rows[0].widgets.map((w) => w.id)).size).toBe(4);
      }
    } finally {
      await client.end();
    }
  });
});
