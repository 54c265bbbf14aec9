import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ScheduledJobRegistry } from '../jobs/scheduled-job.registry';
import { registerScrapeTimeGauge } from './scrape-time-gauge';

export const SCHEDULED_JOB_HEALTHY = 'tenantry_scheduled_job_healthy';
export const SCHEDULED_JOB_LAST_SUCCESS = 'tenantry_scheduled_job_last_success_timestamp_seconds';
export const SCHEDULED_JOB_LAST_FAILURE = 'tenantry_scheduled_job_last_failure_timestamp_seconds';

const READ_TIMEOUT_MS = 3_000;

/**
 * Every scheduled job of /health/jobs as gauges, labelled by job (a closed list: the jobs this
 * configuration registers): healthy or not, and when its last run succeeded and failed. Read at
 * scrape time from the registry, so with BullMQ every app copy reports the fleet's shared queue
 * (the same figures), and without Redis each copy its own timer. The alert "rollup refresh
 * failing" reads these for job="analytics-rollups".
 */
@Injectable()
export class ScheduledJobGaugesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ScheduledJobGaugesService.name);
  private readonly unregister: (() => void)[] = [];
  private statuses?: Promise<Awaited<ReturnType<ScheduledJobRegistry['statuses']>>>;
  private readAt = 0;

  constructor(private readonly registry: ScheduledJobRegistry) {}

  onModuleInit(): void {
    const gauges: [string, string, (s: StatusOf) => number | null][] = [
      [
        SCHEDULED_JOB_HEALTHY,
        'Whether the scheduled job is healthy (1) as /health/jobs says, or not (0)',
        (s) => (s.healthy ? 1 : 0),
      ],
      [
        SCHEDULED_JOB_LAST_SUCCESS,
        'When the scheduled job last succeeded (unix seconds)',
        (s) => seconds(s.last_success_at),
      ],
      [
        SCHEDULED_JOB_LAST_FAILURE,
        'When the scheduled job last failed (unix seconds)',
        (s) => seconds(s.last_failure_at),
      ],
    ];
    for (const [name, help, value] of gauges) {
      this.unregister.push(
        registerScrapeTimeGauge({
          name,
          help,
          labelNames: ['job'],
          timeoutMs: READ_TIMEOUT_MS,
          read: async (gauge) => {
            for (const status of await this.read()) {
              const figure = value(status);
              if (figure !== null) gauge.set({ job: status.job }, figure);
            }
          },
          onError: (error) =>
            this.logger.warn({
              msg: 'scheduled job gauges not read',
              error: (error as Error).message,
            }),
        }),
      );
    }
  }

  /** One registry read serves the three gauges of a scrape. */
  private read(): ReturnType<ScheduledJobRegistry['statuses']> {
    if (!this.statuses || Date.now() - this.readAt > 1_000) {
      this.readAt = Date.now();
      this.statuses = this.registry.statuses();
    }
    return this.statuses;
  }

  onModuleDestroy(): void {
    for (const unregister of this.unregister) unregister();
  }
}

type StatusOf = Awaited<ReturnType<ScheduledJobRegistry['statuses']>>[number];

function seconds(iso: string | null): number | null {
  return iso ? Date.parse(iso) / 1000 : null;
}
