import type { ScheduledJob } from './scheduled-job';
import { TimerJobProbe } from './timer-job.probe';

const job: ScheduledJob = {
  queue: 'billing-invoices',
  schedulerId: 'finalise-invoices',
  jobName: 'finalise',
  repeat: { every: 60_000 },
  periodMs: 60_000,
  keepRuns: 30,
};

describe('TimerJobProbe', () => {
  it('is healthy before any run, with the next run due', async () => {
    const probe = new TimerJobProbe(job);
    probe.scheduled(Date.parse('2026-11-30T00:01:00Z'));
    expect(await probe.status(Date.now())).toMatchObject({
      runner: 'timer',
      schedule: 'every 60s',
      healthy: true,
      next_run_at: '2026-11-30T00:01:00.000Z',
      last_success_at: null,
    });
  });

  it('reports a failed run with its error until a later run succeeds', async () => {
    const probe = new TimerJobProbe(job);
    await expect(probe.track(Promise.reject(new Error('database away')))).rejects.toThrow();
    expect(await probe.status(Date.now())).toMatchObject({
      healthy: false,
      problem: 'the last run failed',
      last_error: 'database away',
    });
    await new Promise((resolve) => setTimeout(resolve, 2));
    await probe.track(Promise.resolve());
    const status = await probe.status(Date.now());
    expect(status.healthy).toBe(true);
    expect(status.last_error).toBeUndefined();
  });

  it('reports a run lasting longer than the period as stuck', async () => {
    const probe = new TimerJobProbe(job);
    void probe.track(new Promise(() => undefined));
    expect((await probe.status(Date.now())).healthy).toBe(true);
    expect(await probe.status(Date.now() + 61_000)).toMatchObject({
      healthy: false,
      problem: 'stuck: a run has lasted longer than the period',
    });
  });
});
