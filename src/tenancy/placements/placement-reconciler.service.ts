import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { PLATFORM_CONNECTION } from '../../database/platform.database';
import { PlacementDirectory, PlacementPools } from '../../database/placements/placement';
import { PlacementMirrorRepository } from './placement-mirror.repository';
import { PlacementMirrorService } from './placement-mirror.service';

export const PLACEMENT_MIRROR_DRIFT = 'tenantry_placement_mirror_drift_total';

export interface ReconcileResult {
  placements: number;
  checked: number;
  repaired: number;
  plansCopied: number;
  unreachable: string[];
}

/**
 * The mirror's repair (PlacementReconcileJob): in every active siloed placement, each tenant copy
 * that differs from its control row is rewritten from it (a sync that failed after a change),
 * and every plan version it lacks is copied. Unreachable placements are named and skipped.
 */
@Injectable()
export class PlacementReconcilerService {
  private readonly logger = new Logger(PlacementReconcilerService.name);

  constructor(
    private readonly directory: PlacementDirectory,
    private readonly pools: PlacementPools,
    private readonly mirror: PlacementMirrorRepository,
    private readonly mirrorService: PlacementMirrorService,
    @InjectDataSource(PLATFORM_CONNECTION) private readonly control: DataSource,
    @InjectMetric(PLACEMENT_MIRROR_DRIFT) private readonly drift: Counter<string>,
  ) {}

  async reconcileAll(): Promise<ReconcileResult> {
    const result: ReconcileResult = {
      placements: 0,
      checked: 0,
      repaired: 0,
      plansCopied: 0,
      unreachable: [],
    };
    for (const placement of await this.directory.all()) {
      if (placement.isControl || placement.status !== 'active') continue;
      result.placements += 1;
      try {
        result.plansCopied += await this.mirrorService.syncPlans(placement);
        const connection = await this.pools.dataSource(placement, 'platform');
        const wanted = await this.mirror.controlTenantsOf(this.control, placement.id);
        const copies = await this.mirror.copiesOf(connection, [...wanted.keys()]);
        for (const [id, row] of wanted) {
          result.checked += 1;
          if (JSON.stringify(copies.get(id)) === JSON.stringify(row)) continue;
          await this.mirror.upsertTenant(connection, row);
          this.drift.inc({ placement: placement.name });
          result.repaired += 1;
          this.logger.warn({
            msg: 'tenant copy repaired',
            tenant_id: id,
            placement: placement.name,
          });
        }
      } catch (error) {
        result.unreachable.push(placement.name);
        this.logger.error({
          msg: 'placement not reconciled',
          placement: placement.name,
          err: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return result;
  }
}
