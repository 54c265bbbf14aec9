/** One scheduled job as /health/jobs reports it. */
export interface ScheduledJobStatus {
  job: string;
  /** bullmq: the fleet's shared queue in Redis; timer: this process alone (no Redis configured). */
  runner: 'bullmq' | 'timer';
  schedule: string;
  healthy: boolean;
  /** Why it is not healthy, in words an operator can act on. */
  problem?: string;
  next_run_at: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  last_error?: string;
  /** bullmq only: workers listening on the queue across every app copy. */
  workers?: number;
}

export interface ScheduledJobProbe {
  status(now: number): Promise<ScheduledJobStatus>;
}

export const iso = (millis: number | undefined | null): string | null =>
  millis ? new Date(millis).toISOString() : null;
