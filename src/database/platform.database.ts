import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../tenancy/scope/actor';
import { keepOwnRows, type PlacementRows, tenantIdsOf } from './placements/own-rows';
import { type Placement, PlacementUnavailableError } from './placements/placement';
import { TenantContext } from '../tenancy/scope/tenant.context';

/** The name of the platform role's TypeORM connection (DatabaseModule). */
export const PLATFORM_CONNECTION = 'platform';

/**
 * What a fan-out read does when a placement database cannot be reached: `fail`, for an
 * operator's list (a 503, never a list silently missing tenants); `skip`, for a background job
 * (a warning naming the placement, and the job goes on with the others' rows).
 */
export type UnreachablePlacements = 'fail' | 'skip';

/**
 * The platform role's connection pool (DATABASE_PLATFORM_USER). Only /admin code paths, platform
 * admin accounts and the rollup job use it: it may call the cross-tenant SECURITY DEFINER
 * readers and UPDATE tenants and platform_admins, which the app role serving tenant traffic
 * cannot. Tenant tables stay behind RLS for it too.
 */
@Injectable()
export class PlatformDatabase {
  private readonly logger = new Logger(PlatformDatabase.name);

  constructor(
    @InjectDataSource(PLATFORM_CONNECTION) readonly dataSource: DataSource,
    private readonly tenantContext: TenantContext,
  ) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  query<T>(text: string, parameters?: unknown[]): Promise<T> {
    return this.dataSource.query<T>(text, parameters);
  }

  /**
   * One transaction on the platform connection scoped to `tenantId`, to the tenant's placement
   * database (issue 18): the platform's change of a tenant and the entry in that tenant's audit
   * log commit together. TenantContext.manager and
   * AuditService see this transaction while `work` runs.
   */
  /**
   * `work` on the platform role's connection to every other active placement database (issue
   * 18), for the cross-tenant readers that fan out; unreachable ones are returned, not thrown.
   */
  onOtherPlacements(
    work: (connection: DataSource, placement: Placement) => Promise<void>,
  ): Promise<{ placement: string; placementId: string; error: unknown }[]> {
    return this.tenantContext.onOtherPlacements('platform', work);
  }

  /**
   * One cross-tenant reader (a SECURITY DEFINER platform_*() function) run with the same
   * parameters on the control database and on every other active placement database (issue
   * 18), each tenant's rows kept only from its own database (keepOwnRows). The rows come back
   * database by database: a reader with an ORDER BY and a LIMIT sorts them again and cuts.
   * `reader` names the read in the warning an unreachable placement logs.
   */
  async queryEveryPlacement<T extends { tenant_id: string | null }>(
    text: string,
    parameters: unknown[],
    options: { reader: string; unreachable: UnreachablePlacements },
  ): Promise<T[]> {
    const groups: PlacementRows<T>[] = [
      { placementId: null, rows: await this.dataSource.query<T[]>(text, parameters) },
    ];
    const failed = await this.onOtherPlacements(async (connection, placement) => {
      groups.push({
        placementId: placement.id,
        rows: await connection.query<T[]>(text, parameters),
      });
    });
    for (const { placement, placementId, error } of failed) {
      if (options.unreachable === 'fail') {
        throw new PlacementUnavailableError(placement, `${options.reader} cannot be read in it`);
      }
      this.logger.warn(
        { placement, reader: options.reader, err: error },
        'placement unreachable: its tenants are left out of this cross-tenant read',
      );
      // Listed with no rows: its tenants' leftovers in control are still not taken for theirs.
      groups.push({ placementId, rows: [] });
    }
    return this.keepOwnRows(groups);
  }

  /** Each tenant's rows only from the database control places it in (own-rows.ts). */
  async keepOwnRows<T extends { tenant_id: string | null }>(
    groups: readonly PlacementRows<T>[],
  ): Promise<T[]> {
    if (groups.length === 1 && groups[0].placementId === null) return [...groups[0].rows];
    return keepOwnRows(groups, await this.placementsOf(tenantIdsOf(groups)));
  }

  /** The platform role's connection to the tenant's placement database. */
  connectionOf(tenantId: string): Promise<DataSource> {
    return this.tenantContext.placementConnection(tenantId, 'platform');
  }

  /** The control database's placement of each tenant id given (fan-out readers keep a row
   * only from the database its tenant lives in). */
  async placementsOf(tenantIds: string[]): Promise<Map<string, string>> {
    if (tenantIds.length === 0) return new Map();
    const rows = await this.dataSource.query<{ id: string; placement_id: string }[]>(
      'SELECT id, placement_id FROM tenants WHERE id = ANY($1::uuid[])',
      [tenantIds],
    );
    return new Map(rows.map((row) => [row.id, row.placement_id]));
  }

  runInTenant<T>(tenantId: string, work: () => Promise<T>, actor?: Actor): Promise<T> {
    return this.tenantContext.runInTenantAs('platform', tenantId, work, actor);
  }
}
