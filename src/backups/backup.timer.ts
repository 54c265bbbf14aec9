import { Inject, Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../jobs/interval-job.timer';
import type { ScheduledJob } from '../jobs/scheduled-job';
import { ScheduledJobRegistry } from '../jobs/scheduled-job.registry';
import { BACKUP_JOB } from './backup.job';
import { BackupRunner } from './backup.runner';

/** Without Redis: an in-process timer runs the backup once per the schedule's period. */
@Injectable()
export class BackupTimer extends IntervalJobTimer {
  constructor(
    private readonly runner: BackupRunner,
    @Inject(BACKUP_JOB) job: ScheduledJob,
    registry: ScheduledJobRegistry,
  ) {
    super(job, registry);
  }

  protected run(): Promise<unknown> {
    return this.runner.run();
  }
}
