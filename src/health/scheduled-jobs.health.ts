import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ScheduledJobRegistry } from '../jobs/scheduled-job.registry';

/**
 * The scheduled jobs (rollups, storage, invoices): down when one has no worker anywhere, lost its
 * schedule, is overdue, or failed its last run. Its own route, not readiness: a stuck billing job
 * must alert an operator, not take every app copy out of the load balancer.
 */
@Injectable()
export class ScheduledJobsHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly registry: ScheduledJobRegistry,
  ) {}

  async check() {
    const indicator = this.indicators.check('scheduled_jobs');
    const jobs = await this.registry.statuses();
    const details = { jobs };
    return jobs.every((job) => job.healthy) ? indicator.up(details) : indicator.down(details);
  }
}
