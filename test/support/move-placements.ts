import { Global, Injectable, Module } from '@nestjs/common';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import {
  type Placement,
  PlacementDirectory,
  PlacementMovedError,
  PlacementPools,
  type PlacementRole,
  type TenantPlacement,
} from '../../src/database/placements/placement';
import { PLATFORM_CONNECTION } from '../../src/database/platform.database';
import { recreateDatabase } from '../../src/database/recreate-database';
import type { Actor } from '../../src/tenancy/scope/actor';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';

/**
 * A stand-in for the placement core (issue 18, items 1-2, built on another branch) so the
 * tenant move runs for real between two databases on the test cluster: the control test
 * database, and `<name>_target_test` migrated with the same migrations. It provides the
 * contract of src/database/placements/placement.ts: a directory read from `tenants.placement_id`,
 * pools for the second database, and a TenantContext that routes each tenant transaction to its
 * placement behind the epoch fence (the shared advisory lock the mover takes exclusive). The
 * schema the core adds (placements, tenants.placement_id/epoch) is added here when missing.
 */
export const MOVE_TARGET_PLACEMENT = 'silo-move';

export function moveTargetDatabase(): string {
  return `${(process.env.DATABASE_NAME ?? 'tenantry_test').replace(/_test$/, '')}_target_test`;
}

function ownerClient(database: string): Client {
  return new Client({
    host: process.env.DATABASE_HOST,
    port: Number(process.env.DATABASE_PORT),
    database,
    user: process.env.DATABASE_OWNER_USER,
    password: process.env.DATABASE_OWNER_PASSWORD,
  });
}

const PLACEMENT_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS placements (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     name varchar(63) NOT NULL UNIQUE,
     kind varchar(16) NOT NULL,
     connection_ref text NOT NULL,
     clickhouse_cluster varchar(63),
     clickhouse_database varchar(63) NOT NULL,
     status varchar(16) NOT NULL DEFAULT 'active',
     created_at timestamptz NOT NULL DEFAULT now())`,
  `ALTER TABLE tenants ADD COLUMN IF NOT EXISTS placement_id uuid,
                      ADD COLUMN IF NOT EXISTS placement_epoch integer NOT NULL DEFAULT 0`,
];

/** Recreates and migrates the target database; both get the placement schema; plans copied. */
export async function prepareMoveTarget(): Promise<void> {
  const target = moveTargetDatabase();
  await recreateDatabase(
    {
      host: process.env.DATABASE_HOST!,
      port: Number(process.env.DATABASE_PORT),
      user: process.env.DATABASE_OWNER_USER!,
      password: process.env.DATABASE_OWNER_PASSWORD!,
      maintenanceDatabase: 'postgres',
    },
    target,
  );
  const roles = `"${process.env.DATABASE_APP_USER}", "${process.env.DATABASE_PLATFORM_USER}"`;
  const control = ownerClient(process.env.DATABASE_NAME!);
  const silo = ownerClient(target);
  await Promise.all([control.connect(), silo.connect()]);
  try {
    for (const client of [control, silo]) {
      for (const statement of PLACEMENT_SCHEMA) await client.query(statement);
      await client.query(`GRANT SELECT ON placements TO ${roles}`);
    }
    const { rows } = await control.query<{ id: string }>(
      `INSERT INTO placements (name, kind, connection_ref, clickhouse_database)
       VALUES ('pooled', 'pooled', 'control', $1), ($2, 'siloed', 'env:MOVE_TARGET', $1)
       ON CONFLICT (name) DO UPDATE SET status = 'active' RETURNING id`,
      [process.env.CLICKHOUSE_DATABASE ?? process.env.DATABASE_NAME, MOVE_TARGET_PLACEMENT],
    );
    const pooled = rows[0].id;
    await control.query(`ALTER TABLE tenants ALTER COLUMN placement_id SET DEFAULT '${pooled}'`);
    await control.query('UPDATE tenants SET placement_id = $1 WHERE placement_id IS NULL', [
      pooled,
    ]);
    // The mirror's copies of every plan (tenants and their plan periods point at them).
    const plans = await control.query<{ rows: unknown }>(
      'SELECT coalesce(jsonb_agg(to_jsonb(p)), $$[]$$) AS rows FROM plans p',
    );
    // The target's migrations seeded plans of their own ids: the mirror's copies replace them.
    await silo.query('DELETE FROM plans');
    await silo.query(
      `INSERT INTO plans SELECT * FROM jsonb_populate_recordset(NULL::plans, $1)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(plans.rows[0].rows)],
    );
  } finally {
    await Promise.all([control.end(), silo.end()]);
  }
}

interface PlacementRow {
  id: string;
  name: string;
  kind: 'pooled' | 'siloed';
  connection_ref: string;
  clickhouse_cluster: string | null;
  clickhouse_database: string;
  status: 'active' | 'draining' | 'disabled';
}

const toPlacement = (row: PlacementRow): Placement => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  connectionRef: row.connection_ref,
  clickhouseCluster: row.clickhouse_cluster,
  clickhouseDatabase: row.clickhouse_database,
  status: row.status,
  isControl: row.connection_ref === 'control',
});

/** Reads the control database every time (no cache to go stale: a test stand-in). */
@Injectable()
export class TestPlacementDirectory extends PlacementDirectory {
  constructor(private readonly control: DataSource) {
    super();
  }

  async of(tenantId: string): Promise<TenantPlacement> {
    const [row] = await this.control.query<(PlacementRow & { epoch: number })[]>(
      `SELECT p.*, t.placement_epoch AS epoch FROM tenants t
         JOIN placements p ON p.id = t.placement_id WHERE t.id = $1`,
      [tenantId],
    );
    if (row) return { placement: toPlacement(row), epoch: row.epoch };
    return { placement: (await this.byName('pooled'))!, epoch: 0 };
  }

  forget(): void {}

  async byId(id: string): Promise<Placement | undefined> {
    const [row] = await this.control.query<PlacementRow[]>(
      'SELECT * FROM placements WHERE id = $1',
      [id],
    );
    return row && toPlacement(row);
  }

  async byName(name: string): Promise<Placement | undefined> {
    const [row] = await this.control.query<PlacementRow[]>(
      'SELECT * FROM placements WHERE name = $1',
      [name],
    );
    return row && toPlacement(row);
  }

  async all(): Promise<Placement[]> {
    return (await this.control.query<PlacementRow[]>('SELECT * FROM placements')).map(toPlacement);
  }
}

/** Control: the app's own pools. The target: two DataSources of its own, opened once. */
@Injectable()
export class TestPlacementPools extends PlacementPools {
  private readonly opened = new Map<string, Promise<DataSource>>();

  constructor(
    private readonly app: DataSource,
    private readonly platform: DataSource,
  ) {
    super();
  }

  dataSource(placement: Placement, role: PlacementRole): Promise<DataSource> {
    if (placement.isControl) return Promise.resolve(role === 'app' ? this.app : this.platform);
    const key = `${placement.id}:${role}`;
    let open = this.opened.get(key);
    if (!open) {
      const prefix = role === 'app' ? 'DATABASE_APP' : 'DATABASE_PLATFORM';
      open = new DataSource(
        buildDataSourceOptions({
          host: process.env.DATABASE_HOST!,
          port: Number(process.env.DATABASE_PORT),
          database: moveTargetDatabase(),
          username: process.env[`${prefix}_USER`]!,
          password: process.env[`${prefix}_PASSWORD`]!,
          poolSize: 5,
        }),
      ).initialize();
      this.opened.set(key, open);
    }
    return open;
  }

  async close(): Promise<void> {
    for (const open of this.opened.values()) await (await open).destroy();
    this.opened.clear();
  }
}

/**
 * TenantContext routed by placement, with the epoch fence in each transaction's first statement:
 * the shared advisory lock the mover takes exclusive, and the epoch the tenant was routed by. A
 * transaction that finds the epoch moved on retries once on the new placement.
 */
@Injectable()
export class RoutingTenantContext extends TenantContext {
  constructor(
    dataSource: DataSource,
    private readonly directory: PlacementDirectory,
    private readonly pools: PlacementPools,
  ) {
    super(dataSource);
  }

  override async runInTenant<T>(
    tenantId: string,
    work: () => Promise<T>,
    actor?: Actor,
  ): Promise<T> {
    if (this.current) return super.runInTenant(tenantId, work, actor);
    for (let attempt = 0; ; attempt++) {
      const { placement, epoch } = await this.directory.of(tenantId);
      const connection = await this.pools.dataSource(placement, 'app');
      try {
        return await super.runInTenantOn(
          connection,
          tenantId,
          async () => {
            // Two statements: a READ COMMITTED statement reads with the snapshot it started
            // with, so an epoch read in the statement that waited for the lock would be the one
            // from before the flip it waited for.
            await this.manager.query(
              "SELECT pg_advisory_xact_lock_shared(hashtextextended('tenant-placement:' || $1, 0))",
              [tenantId],
            );
            const [row] = await this.manager.query<{ epoch: number | null }[]>(
              'SELECT placement_epoch AS epoch FROM tenants WHERE id = $1::uuid',
              [tenantId],
            );
            // No row yet: the tenant is being provisioned in this very transaction.
            if (row && row.epoch !== null && row.epoch !== epoch) {
              throw new PlacementMovedError(tenantId);
            }
            return work();
          },
          actor,
        );
      } catch (error) {
        if (!(error instanceof PlacementMovedError) || attempt > 0) throw error;
        this.directory.forget(tenantId);
      }
    }
  }

  /** One transaction per tenant here (the core keeps one per placement). */
  override async runForEachTenant(
    tenantIds: Iterable<string>,
    work: (tenantId: string) => Promise<void>,
  ): Promise<void> {
    for (const tenantId of new Set(tenantIds)) {
      await this.runInTenant(tenantId, () => work(tenantId));
    }
  }
}

/** The directory and pools for every module (the placement core provides them globally too). */
@Global()
@Module({
  providers: [
    {
      provide: PlacementDirectory,
      useFactory: (platform: DataSource) => new TestPlacementDirectory(platform),
      inject: [getDataSourceToken(PLATFORM_CONNECTION)],
    },
    {
      provide: PlacementPools,
      useFactory: (app: DataSource, platform: DataSource) => new TestPlacementPools(app, platform),
      inject: [getDataSourceToken(), getDataSourceToken(PLATFORM_CONNECTION)],
    },
  ],
  exports: [PlacementDirectory, PlacementPools],
})
export class TestPlacementsModule {}

/** For createTestApp: the routing TenantContext in place of the app's. */
export function withPlacementRouting(builder: TestingModuleBuilder): TestingModuleBuilder {
  return builder.overrideProvider(TenantContext).useFactory({
    factory: (app: DataSource, directory: PlacementDirectory, pools: PlacementPools) =>
      new RoutingTenantContext(app, directory, pools),
    inject: [getDataSourceToken(), PlacementDirectory, PlacementPools],
  });
}
