import { Processor } from '@nestjs/bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { PLACEMENT_RECONCILE_JOB } from './placement-reconcile.job';
import { PlacementReconcilerService, type ReconcileResult } from './placement-reconciler.service';

/** Runs the reconciler; a run cut short is made again 10 minutes later (it is idempotent). */
@Processor(PLACEMENT_RECONCILE_JOB.queue)
export class PlacementReconcileJobProcessor extends JobWorkerHost {
  constructor(private readonly reconciler: PlacementReconcilerService) {
    super();
  }

  async process(): Promise<ReconcileResult> {
    return this.reconciler.reconcileAll();
  }
}
