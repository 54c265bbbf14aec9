import { describeSchedule, type ScheduledJob } from './scheduled-job';
import { iso, type ScheduledJobProbe, type ScheduledJobStatus } from './scheduled-job.status';

/** A job run by this process's own timer (no Redis): what its runs did, kept in memory. */
export class TimerJobProbe implements ScheduledJobProbe {
  private startedAt?: number;
  private lastSuccess?: number;
  private lastFailure?: number;
  private lastError?: string;
  private nextRun?: number;

  constructor(private readonly job: ScheduledJob) {}

  scheduled(next: number): void {
    this.nextRun = next;
  }

  /** Records one run's start and end; rethrows nothing (the timer logs the failure). */
  async track(run: Promise<unknown>): Promise<void> {
    this.startedAt = Date.now();
    this.nextRun = this.startedAt + this.job.periodMs;
    try {
      await run;
      this.lastSuccess = Date.now();
    } catch (error) {
      this.lastFailure = Date.now();
      this.lastError = (error as Error).message;
      throw error;
    } finally {
      this.startedAt = undefined;
    }
  }

  status(now: number): Promise<ScheduledJobStatus> {
    const problem =
      this.startedAt !== undefined && now - this.startedAt > this.job.periodMs
        ? 'stuck: a run has lasted longer than the period'
        : this.lastFailure && (!this.lastSuccess || this.lastFailure > this.lastSuccess)
          ? 'the last run failed'
          : undefined;
    return Promise.resolve({
      job: this.job.queue,
      runner: 'timer',
      schedule: describeSchedule(this.job),
      healthy: problem === undefined,
      ...(problem ? { problem } : {}),
      next_run_at: iso(this.nextRun),
      last_success_at: iso(this.lastSuccess),
      last_failure_at: iso(this.lastFailure),
      ...(this.lastError && problem === 'the last run failed'
        ? { last_error: this.lastError }
        : {}),
    });
  }
}
