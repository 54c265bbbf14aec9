import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PLATFORM_CONNECTION } from '../../database/platform.database';
import { Placement, PlacementDirectory, PlacementPools } from '../../database/placements/placement';
import { TenantContext } from '../scope/tenant.context';
import { PlacementMirrorRepository } from './placement-mirror.repository';

/**
 * Keeps a siloed tenant's placement database holding copies of its control `tenants` row and of
 * every `plans` row (issue 18): the placement's foreign keys and SECURITY DEFINER functions read
 * them locally, and TenantContext's fence reads the copy's epoch. Control stays authoritative:
 * every change is made there first, then copied.
 */
@Injectable()
export class PlacementMirrorService {
  private readonly logger = new Logger(PlacementMirrorService.name);

  constructor(
    private readonly directory: PlacementDirectory,
    private readonly pools: PlacementPools,
    private readonly mirror: PlacementMirrorRepository,
    private readonly tenantContext: TenantContext,
    @InjectDataSource(PLATFORM_CONNECTION) private readonly control: DataSource,
  ) {}

  /** Copies the tenant's control row to its placement, if siloed (its own transaction). */
  async sync(tenantId: string): Promise<void> {
    const row = (await this.mirror.controlTenant(this.control, tenantId)) as {
      placement_id: string;
    } | null;
    if (!row) return;
    const placement = await this.directory.byId(row.placement_id);
    if (!placement || placement.isControl) return;
    await this.mirror.upsertTenant(await this.pools.dataSource(placement, 'platform'), row);
    this.logger.log({ msg: 'tenant copy synced', tenant_id: tenantId, placement: placement.name });
  }

  /**
   * In the open tenant transaction on the tenant's placement (TenantContext.manager): copies its
   * control row there, so a change and its audit entry commit with the copy.
   */
  async syncInTransaction(tenantId: string): Promise<void> {
    const row = await this.mirror.controlTenant(this.control, tenantId);
    if (row) await this.mirror.upsertTenant(this.tenantContext.manager, row);
  }

  /** Copies every plan version the placement lacks. */
  async syncPlans(placement: Placement): Promise<number> {
    if (placement.isControl) return 0;
    const rows = await this.mirror.controlPlans(this.control);
    return this.mirror.insertPlans(await this.pools.dataSource(placement, 'platform'), rows);
  }

  /** The siloed tenant's rows are in its placement: clear the flag in control, then the copy. */
  async markProvisioned(tenantId: string): Promise<void> {
    await this.mirror.markProvisioned(this.control, tenantId);
    await this.sync(tenantId);
  }
}
