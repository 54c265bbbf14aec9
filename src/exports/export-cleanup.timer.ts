import { Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../jobs/scheduled-job.registry';
import { EXPORT_CLEANUP_JOB } from './export-cleanup.job';
import { ExportCleanupService } from './export-cleanup.service';

/** Without Redis: an in-process timer runs the clean-up once a day. */
@Injectable()
export class ExportCleanupTimer extends IntervalJobTimer {
  constructor(
    private readonly cleanup: ExportCleanupService,
    registry: ScheduledJobRegistry,
  ) {
    super(EXPORT_CLEANUP_JOB, registry);
  }

  protected run(): Promise<unknown> {
    return this.cleanup.removeExpired();
  }
}
