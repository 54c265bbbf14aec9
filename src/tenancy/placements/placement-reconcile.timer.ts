import { Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { PLACEMENT_RECONCILE_JOB } from './placement-reconcile.job';
import { PlacementReconcilerService } from './placement-reconciler.service';

/** Without Redis: an in-process timer runs the reconciler every 10 minutes. */
@Injectable()
export class PlacementReconcileTimer extends IntervalJobTimer {
  constructor(
    private readonly reconciler: PlacementReconcilerService,
    registry: ScheduledJobRegistry,
  ) {
    super(PLACEMENT_RECONCILE_JOB, registry);
  }

  protected run(): Promise<unknown> {
    return this.reconciler.reconcileAll();
  }
}
