import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Tenant } from '../../tenancy/tenant.entity';
import type { Placement } from './placement';
import { PlacementRecord, toPlacement } from './placement-record.entity';

/**
 * The control database's placements, and which placement each tenant is in: read on the app
 * role's connection to the control database (SELECT on both tables), never on a placement's.
 */
@Injectable()
export class PlacementsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async all(): Promise<Placement[]> {
    const records = await this.dataSource
      .getRepository(PlacementRecord)
      .find({ order: { name: 'ASC' } });
    return records.map(toPlacement);
  }

  /** The tenant's placement id and epoch in control; null when control has no such tenant. */
  async tenantPlacement(tenantId: string): Promise<{ placementId: string; epoch: number } | null> {
    const tenant = await this.dataSource.getRepository(Tenant).findOne({
      where: { id: tenantId },
      select: { id: true, placementId: true, placementEpoch: true },
    });
    return tenant ? { placementId: tenant.placementId, epoch: tenant.placementEpoch } : null;
  }

  /** Tenants per placement and status, for GET /admin/placements. */
  async tenantCounts(): Promise<{ placementId: string; status: string; count: number }[]> {
    const rows = await this.dataSource
      .getRepository(Tenant)
      .createQueryBuilder('tenant')
      .select('tenant.placement_id', 'placementId')
      .addSelect('tenant.status', 'status')
      .addSelect('count(*)::int', 'count')
      .groupBy('tenant.placement_id')
      .addGroupBy('tenant.status')
      .getRawMany<{ placementId: string; status: string; count: number }>();
    return rows;
  }
}
