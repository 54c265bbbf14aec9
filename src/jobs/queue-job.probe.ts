import type { Queue } from 'bullmq';
import { describeSchedule, type ScheduledJob } from './scheduled-job';
import { iso, type ScheduledJobProbe, type ScheduledJobStatus } from './scheduled-job.status';

/** A run this much past its time means no worker is taking runs off the queue. */
const OVERDUE_GRACE_MS = 2 * 60_000;

/**
 * Reads a repeatable job's state from Redis, so every app copy reports the whole fleet: a
 * stopped worker on every copy, a schedule Redis lost, a run overdue, or a last run that failed.
 */
export class QueueJobProbe implements ScheduledJobProbe {
  constructor(
    private readonly job: ScheduledJob,
    private readonly queue: Queue,
  ) {}

  async status(now: number): Promise<ScheduledJobStatus> {
    const [workers, scheduler, [completed], [failed]] = await Promise.all([
      this.queue.getWorkersCount(),
      this.queue.getJobScheduler(this.job.schedulerId),
      this.queue.getJobs(['completed'], 0, 0, false),
      this.queue.getJobs(['failed'], 0, 0, false),
    ]);
    const lastSuccess = completed?.finishedOn;
    const lastFailure = failed?.finishedOn;
    const next = scheduler?.next;
    const lastRunFailed = lastFailure !== undefined && (!lastSuccess || lastFailure > lastSuccess);
    const problem =
      workers === 0
        ? 'no worker listens on the queue: no app copy runs this job'
        : !scheduler
          ? 'not scheduled: Redis lost the schedule; restarting one app copy registers it again'
          : next !== undefined && next < now - OVERDUE_GRACE_MS
            ? 'overdue: the next run is past its time and no worker has taken it'
            : lastRunFailed
              ? 'the last run failed'
              : undefined;
    return {
      job: this.job.queue,
      runner: 'bullmq',
      schedule: describeSchedule(this.job),
      healthy: problem === undefined,
      ...(problem ? { problem } : {}),
      next_run_at: iso(next),
      last_success_at: iso(lastSuccess),
      last_failure_at: iso(lastFailure),
      ...(lastRunFailed ? { last_error: failed?.failedReason } : {}),
      workers,
    };
  }
}
