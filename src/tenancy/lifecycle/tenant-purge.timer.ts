import { Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { TENANT_PURGE_JOB } from './tenant-purge.job';
import { TenantPurgeService } from './tenant-purge.service';

/** Without Redis: an in-process timer runs the purge job every hour. */
@Injectable()
export class TenantPurgeTimer extends IntervalJobTimer {
  constructor(
    private readonly purges: TenantPurgeService,
    registry: ScheduledJobRegistry,
  ) {
    super(TENANT_PURGE_JOB, registry);
  }

  protected run(): Promise<unknown> {
    return this.purges.purgeDue();
  }
}
