import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../tenancy/scope/actor';
import type { Placement } from './placements/placement';
import { TenantContext } from '../tenancy/scope/tenant.context';

/** The name of the platform role's TypeORM connection (DatabaseModule). */
export const PLATFORM_CONNECTION = 'platform';

/**
 * The platform role's connection pool (DATABASE_PLATFORM_USER). Only /admin code paths, platform
 * admin accounts and the rollup job use it: it may call the cross-tenant SECURITY DEFINER
 * readers and UPDATE tenants and platform_admins, which the app role serving tenant traffic
 * cannot. Tenant tables stay behind RLS for it too.
 */
@Injectable()
export class PlatformDatabase {
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
  ): Promise<{ placement: string; error: unknown }[]> {
    return this.tenantContext.onOtherPlacements('platform', work);
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
