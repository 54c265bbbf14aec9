import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ScheduledJob } from './scheduled-job';
import { ScheduledJobRegistry } from './scheduled-job.registry';
import type { TimerJobProbe } from './timer-job.probe';

/**
 * The embedded default without Redis: an in-process timer runs the job once per period (a run
 * still going when the next is due is not doubled). Each job subclasses this with its run().
 */
export abstract class IntervalJobTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  protected constructor(
    private readonly job: ScheduledJob,
    private readonly registry: ScheduledJobRegistry,
  ) {
    this.logger = new Logger(`${job.queue} timer`);
  }

  protected abstract run(): Promise<unknown>;

  /** Whether this configuration runs the job at all (the rollup job needs the PostgreSQL store). */
  protected get enabled(): boolean {
    return true;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    const probe: TimerJobProbe = this.registry.addTimer(this.job);
    probe.scheduled(Date.now() + this.job.periodMs);
    this.timer = setInterval(() => {
      this.running ??= probe
        .track(this.run())
        .catch((error: Error) =>
          this.logger.error({ msg: 'job run failed', job: this.job.queue, error: error.message }),
        )
        .finally(() => (this.running = undefined));
    }, this.job.periodMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
