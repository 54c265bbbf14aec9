import { Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { RetentionEnforcerService } from './retention-enforcer.service';
import { RETENTION_JOB } from './retention.job';

/** Without Redis: an in-process timer enforces retention once a day. */
@Injectable()
export class RetentionTimer extends IntervalJobTimer {
  constructor(
    private readonly enforcer: RetentionEnforcerService,
    registry: ScheduledJobRegistry,
  ) {
    super(RETENTION_JOB, registry);
  }

  protected run(): Promise<unknown> {
    return this.enforcer.enforce();
  }
}
