import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import type { Environment } from '../../config/environment';
import { buildDataSourceOptions } from '../data-source-options';
import { PLATFORM_CONNECTION } from '../platform.database';
import { Placement, PlacementPools, PlacementRole, PlacementUnavailableError } from './placement';
import {
  credentialsOf,
  PlacementConfigError,
  readPlacementConnection,
} from './placement-connection';

export const PLACEMENT_POOLS_OPEN = 'tenantry_placement_pools_open';
export const PLACEMENT_POOL_OPENS = 'tenantry_placement_pool_opens_total';

/** How long a caller waits for a slot when PLACEMENT_MAX_OPEN databases are open and busy. */
const SLOT_WAIT_MS = 10_000;

interface OpenPlacement {
  readonly app: DataSource;
  readonly platform: DataSource;
  lastUsed: number;
}

/** Clients of a pg Pool in use (TypeORM's driver keeps the pool as `master`). */
function checkedOut(dataSource: DataSource): number {
  const pool = (
    dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number } }
  ).master;
  return pool ? pool.totalCount - pool.idleCount : 0;
}

/**
 * The connection pools of placement databases: opened on first use (both roles at once, each
 * checked to be neither superuser nor BYPASSRLS), at most PLACEMENT_MAX_OPEN databases at a time
 * (past it the least recently used idle one is closed, or the caller waits), and closed after
 * PLACEMENT_IDLE_MS unused. The control placement's are the app's two DataSources, never closed.
 * A placement whose settings are missing or whose server refuses answers
 * PlacementUnavailableError (503 for its tenants) and is tried again on the next call.
 */
@Injectable()
export class PlacementPoolsRegistry extends PlacementPools implements OnModuleDestroy {
  private readonly logger = new Logger(PlacementPoolsRegistry.name);
  private readonly open = new Map<string, OpenPlacement>();
  private readonly opening = new Map<string, Promise<OpenPlacement>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly appDataSource: DataSource,
    @InjectDataSource(PLATFORM_CONNECTION) private readonly platformDataSource: DataSource,
    private readonly config: ConfigService<Environment, true>,
    @InjectMetric(PLACEMENT_POOLS_OPEN) private readonly openGauge: Gauge<string>,
    @InjectMetric(PLACEMENT_POOL_OPENS) private readonly opens: Counter<string>,
  ) {
    super();
    const idleMs = this.config.get('PLACEMENT_IDLE_MS', { infer: true });
    this.sweeper = setInterval(() => void this.closeIdle(), Math.min(30_000, idleMs / 2));
    this.sweeper.unref();
  }

  async dataSource(placement: Placement, role: PlacementRole): Promise<DataSource> {
    if (placement.isControl) return role === 'app' ? this.appDataSource : this.platformDataSource;
    const entry = this.open.get(placement.id) ?? (await this.openPlacement(placement));
    entry.lastUsed = Date.now();
    return entry[role];
  }

  /** Placement databases open now (for tests and /admin/placements). */
  openCount(): number {
    return this.open.size;
  }

  isOpen(placementId: string): boolean {
    return this.open.has(placementId);
  }

  /** Closes every placement pool unused for PLACEMENT_IDLE_MS with nothing checked out. */
  async closeIdle(now = Date.now()): Promise<number> {
    const idleMs = this.config.get('PLACEMENT_IDLE_MS', { infer: true });
    let closed = 0;
    for (const [id, entry] of [...this.open]) {
      if (now - entry.lastUsed < idleMs || this.busy(entry)) continue;
      await this.close(id, entry, 'idle');
      closed += 1;
    }
    return closed;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.open].map(([id, entry]) => this.close(id, entry, 'shutdown')));
  }

  private openPlacement(placement: Placement): Promise<OpenPlacement> {
    // Concurrent first users share one open.
    let opening = this.opening.get(placement.id);
    if (!opening) {
      opening = this.initialise(placement).finally(() => this.opening.delete(placement.id));
      this.opening.set(placement.id, opening);
    }
    return opening;
  }

  private async initialise(placement: Placement): Promise<OpenPlacement> {
    await this.makeRoom(placement);
    const started = Date.now();
    let app: DataSource | undefined;
    let platform: DataSource | undefined;
    try {
      const settings = readPlacementConnection(placement.name, placement.connectionRef);
      const connect = (role: PlacementRole, poolSize: number) =>
        new DataSource({
          ...(buildDataSourceOptions({
            host: settings.HOST,
            port: settings.POOLER_PORT ?? settings.PORT,
            database: settings.DATABASE,
            ...credentialsOf(settings, role, placement.name),
            poolSize,
            statementTimeoutMs: this.config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }),
            applicationName: role === 'app' ? 'tenantry' : 'tenantry-platform',
            pooler: settings.POOLER_PORT ? 'pgbouncer' : 'none',
          }) as PostgresDataSourceOptions),
          // The migrations installed what the schema needs: opening costs one connect.
          installExtensions: false,
        });
      app = connect('app', this.config.get('PLACEMENT_POOL_SIZE', { infer: true }));
      platform = connect(
        'platform',
        this.config.get('PLACEMENT_PLATFORM_POOL_SIZE', { infer: true }),
      );
      await Promise.all([app.initialize(), platform.initialize()]);
      await Promise.all([refuseUnsafeRole(app), refuseUnsafeRole(platform)]);
    } catch (error) {
      await Promise.all(
        [app, platform].map((ds) => (ds?.isInitialized ? ds.destroy() : Promise.resolve())),
      );
      this.opens.inc({ placement: placement.name, outcome: 'failed' });
      const reason =
        error instanceof PlacementConfigError
          ? error.message
          : `cannot connect: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.error({
        msg: 'placement pool failed to open',
        placement: placement.name,
        reason,
      });
      throw new PlacementUnavailableError(placement.name, reason);
    }
    const entry: OpenPlacement = { app, platform, lastUsed: Date.now() };
    this.open.set(placement.id, entry);
    this.openGauge.set(this.open.size);
    this.opens.inc({ placement: placement.name, outcome: 'opened' });
    this.logger.log({
      msg: 'placement pool opened',
      placement: placement.name,
      ms: Date.now() - started,
    });
    return entry;
  }

  /** At the bound: close the least recently used idle placement, or wait for one to be idle. */
  private async makeRoom(placement: Placement): Promise<void> {
    const max = this.config.get('PLACEMENT_MAX_OPEN', { infer: true });
    const deadline = Date.now() + SLOT_WAIT_MS;
    const othersOpening = () => [...this.opening.keys()].filter((id) => id !== placement.id).length;
    while (this.open.size + othersOpening() >= max) {
      const idle = [...this.open]
        .filter(([, entry]) => !this.busy(entry))
        .sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0];
      if (idle) {
        await this.close(idle[0], idle[1], 'bound');
        continue;
      }
      if (Date.now() > deadline) {
        throw new PlacementUnavailableError(
          placement.name,
          `${max} placement databases are open and busy (PLACEMENT_MAX_OPEN)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private busy(entry: OpenPlacement): boolean {
    return checkedOut(entry.app) + checkedOut(entry.platform) > 0;
  }

  private async close(id: string, entry: OpenPlacement, why: string): Promise<void> {
    if (this.open.get(id) !== entry) return;
    this.open.delete(id);
    this.openGauge.set(this.open.size);
    await Promise.all([entry.app.destroy(), entry.platform.destroy()]);
    this.logger.log({ msg: 'placement pool closed', placement_id: id, why });
  }
}

/** A serving role that is superuser or bypasses RLS would see every tenant: never used. */
async function refuseUnsafeRole(dataSource: DataSource): Promise<void> {
  const [role] = await dataSource.query<{ name: string; unsafe: boolean }[]>(
    'SELECT rolname AS name, (rolsuper OR rolbypassrls) AS unsafe FROM pg_roles WHERE rolname = current_user',
  );
  if (!role || role.unsafe) {
    throw new Error(`role ${role?.name ?? '?'} is a superuser or bypasses row level security`);
  }
}
