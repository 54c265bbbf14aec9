import { Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { TENANT_MOVE_JOB } from './tenant-move.job';
import { TenantMoveService } from './tenant-move.service';

/** Without Redis no move starts (holds need it), but one left from before is still reconciled. */
@Injectable()
export class TenantMoveTimer extends IntervalJobTimer {
  constructor(
    private readonly mover: TenantMoveService,
    registry: ScheduledJobRegistry,
  ) {
    super(TENANT_MOVE_JOB, registry);
  }

  protected run(): Promise<unknown> {
    return this.mover.reconcile();
  }
}
