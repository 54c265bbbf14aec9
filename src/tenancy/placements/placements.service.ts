import { Injectable } from '@nestjs/common';
import {
  PlacementDirectory,
  PlacementPools,
  PlacementUnavailableError,
} from '../../database/placements/placement';
import { PlacementsRepository } from '../../database/placements/placements.repository';
import type { PlacementResponse } from './placement.response';
import { PlacementSizesRepository } from './placement-sizes.repository';

/** GET /admin/placements: every placement, its tenants by status, its database's size. */
@Injectable()
export class PlacementsService {
  constructor(
    private readonly directory: PlacementDirectory,
    private readonly pools: PlacementPools,
    private readonly placements: PlacementsRepository,
    private readonly sizes: PlacementSizesRepository,
  ) {}

  async list(): Promise<PlacementResponse[]> {
    const [all, counts] = await Promise.all([this.directory.all(), this.placements.tenantCounts()]);
    const result: PlacementResponse[] = [];
    // One at a time: each may open a pool (bounded by PLACEMENT_MAX_OPEN).
    for (const placement of all) {
      const tenants: Record<string, number> = {};
      for (const row of counts.filter((count) => count.placementId === placement.id)) {
        tenants[row.status] = row.count;
      }
      let bytes: number | null = null;
      let error: string | null = null;
      try {
        bytes = await this.sizes.databaseBytes(await this.pools.dataSource(placement, 'platform'));
      } catch (failure) {
        error =
          failure instanceof PlacementUnavailableError
            ? failure.message
            : `cannot read its size: ${failure instanceof Error ? failure.message : String(failure)}`;
      }
      result.push({
        id: placement.id,
        name: placement.name,
        kind: placement.kind,
        status: placement.status,
        clickhouse: {
          cluster: placement.clickhouseCluster,
          database: placement.clickhouseDatabase,
        },
        tenants,
        reachable: error === null,
        database_bytes: bytes,
        error,
      });
    }
    return result;
  }
}
