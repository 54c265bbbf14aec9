import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { InvoiceFinaliserService } from '../../src/billing/invoices/invoice-finaliser.service';
import { InvoiceJobProcessor } from '../../src/billing/invoices/invoice-job.processor';
import { INVOICE_JOB } from '../../src/billing/invoices/invoice.job';
import type { ScheduledJobStatus } from '../../src/jobs/scheduled-job.status';
import { PlacementReconcileJobProcessor } from '../../src/tenancy/placements/placement-reconcile-job.processor';
import { PLACEMENT_RECONCILE_JOB } from '../../src/tenancy/placements/placement-reconcile.job';
import { TenantMoveJobProcessor } from '../../src/tenancy/moves/tenant-move-job.processor';
import { TENANT_MOVE_JOB } from '../../src/tenancy/moves/tenant-move.job';
import { eventually } from '../support/ingestion';
import { createTestApp, type TestApp } from '../support/test-app';

type JobsBody = { status: string; details: { scheduled_jobs: { jobs: ScheduledJobStatus[] } } };

const jobsOf = async (t: TestApp): Promise<{ code: number; jobs: ScheduledJobStatus[] }> => {
  const response = await t.http.get('/health/jobs');
  return { code: response.status, jobs: (response.body as JobsBody).details.scheduled_jobs.jobs };
};
const invoiceJob = (jobs: ScheduledJobStatus[]) =>
  jobs.find((job) => job.job === INVOICE_JOB.queue);

/** /health/jobs: the scheduled jobs across the fleet, and what stops one. */
describe('GET /health/jobs', () => {
  describe('with Redis: BullMQ repeatable jobs', () => {
    let t: TestApp;
    let queue: Queue;

    beforeAll(async () => {
      // The PostgreSQL store runs all three jobs (ClickHouse keeps its rollups by itself).
      t = await createTestApp({ env: { CLICKHOUSE_URL: '', KAFKA_BROKERS: '' } });
      queue = t.app.get<Queue>(getQueueToken(INVOICE_JOB.queue));
    });
    afterAll(() => t.close());

    it('lists every job with its schedule, next run and workers', async () => {
      // Schedulers register just after boot.
      const healthy = await eventually(async () => (await jobsOf(t)).code, 200);
      expect(healthy).toBe(200);
      const { jobs } = await jobsOf(t);
      expect(jobs.map((job) => job.job).sort()).toEqual([
        'analytics-rollups',
        'billing-invoices',
        'billing-storage',
        'custom-domain-rechecks',
        'data-export-cleanup',
        'placement-reconcile',
        'privacy-retention',
        'tenant-move',
        'tenant-purge',
      ]);
      for (const job of jobs) {
        expect(job).toMatchObject({ runner: 'bullmq', healthy: true });
        expect(job.workers).toBeGreaterThanOrEqual(1);
        expect(Date.parse(job.next_run_at!)).toBeGreaterThan(Date.now() - 120_000);
      }
      expect(jobs.find((job) => job.job === 'billing-storage')?.schedule).toBe(
        'cron 30 3 * * * UTC',
      );
      expect(invoiceJob(jobs)?.schedule).toBe('every 900s');
      // Readiness does not carry the jobs: a stuck job must not take the app out of service.
      const readiness = await t.http.get('/health').expect(200);
      expect(readiness.body.info.scheduled_jobs).toBeUndefined();
    });

    it('answers 503 naming the job whose last run failed, with its error, until a run succeeds', async () => {
      const finaliser = t.app.get(InvoiceFinaliserService);
      const spy = jest
        .spyOn(finaliser, 'finaliseAll')
        .mockRejectedValueOnce(new Error('invoice store unreachable'));
      try {
        const failing = await queue.add('finalise', {}, { removeOnFail: 30 });
        await eventually(async () => (await failing.getState()) === 'failed', true);
        const { code, jobs } = await jobsOf(t);
        expect(code).toBe(503);
        expect(invoiceJob(jobs)).toMatchObject({
          healthy: false,
          problem: 'the last run failed',
          last_error: 'invoice store unreachable',
        });
        expect(jobs.filter((job) => !job.healthy)).toHaveLength(1);

        const succeeding = await queue.add('finalise', {}, { removeOnComplete: 30 });
        await eventually(async () => (await succeeding.getState()) === 'completed', true);
        const after = await jobsOf(t);
        expect(after.code).toBe(200);
        expect(invoiceJob(after.jobs)?.last_error).toBeUndefined();
        expect(Date.parse(invoiceJob(after.jobs)!.last_success_at!)).toBeGreaterThan(
          Date.parse(invoiceJob(jobs)!.last_failure_at!),
        );
      } finally {
        spy.mockRestore();
      }
    });

    it('answers 503 when Redis lost the schedule', async () => {
      await queue.removeJobScheduler(INVOICE_JOB.schedulerId);
      const { code, jobs } = await jobsOf(t);
      expect(code).toBe(503);
      expect(invoiceJob(jobs)?.problem).toMatch(/^not scheduled/);
    });

    it('answers 503 when no app copy has a worker on the queue', async () => {
      await t.app.get(InvoiceJobProcessor).worker.close(true);
      const problem = await eventually(
        async () => invoiceJob((await jobsOf(t)).jobs)?.problem,
        'no worker listens on the queue: no app copy runs this job',
      );
      expect(problem).toBe('no worker listens on the queue: no app copy runs this job');
      expect(invoiceJob((await jobsOf(t)).jobs)?.workers).toBe(0);
    });

    // Issue 18's queues: a move requested while no worker runs would sit queued, and a tenant
    // left mid-provisioning or mid-move would never be reconciled; the operator must see it.
    it('names the tenant-move and placement-reconcile queues when their workers stop', async () => {
      await t.app.get(TenantMoveJobProcessor).worker.close(true);
      await t.app.get(PlacementReconcileJobProcessor).worker.close(true);
      const stopped = async () =>
        (await jobsOf(t)).jobs
          .filter((job) => job.workers === 0)
          .map((job) => job.job)
          .sort()
          .join(',');
      const expected = [INVOICE_JOB.queue, PLACEMENT_RECONCILE_JOB.queue, TENANT_MOVE_JOB.queue]
        .sort()
        .join(',');
      expect(await eventually(stopped, expected)).toBe(expected);
      const { code, jobs } = await jobsOf(t);
      expect(code).toBe(503);
      for (const queue of [TENANT_MOVE_JOB.queue, PLACEMENT_RECONCILE_JOB.queue]) {
        expect(jobs.find((job) => job.job === queue)).toMatchObject({
          healthy: false,
          problem: 'no worker listens on the queue: no app copy runs this job',
        });
      }
    });
  });

  it('without Redis reports this process’s timers', async () => {
    const t = await createTestApp({
      env: { REDIS_URL: '', CLICKHOUSE_URL: '', KAFKA_BROKERS: '' },
    });
    try {
      const response = await t.http.get('/health/jobs').expect(200);
      const jobs = (response.body as JobsBody).details.scheduled_jobs.jobs;
      expect(jobs.map((job) => job.job).sort()).toEqual([
        'analytics-rollups',
        'billing-invoices',
        'billing-storage',
        'custom-domain-rechecks',
        'data-export-cleanup',
        'placement-reconcile',
        'privacy-retention',
        'tenant-move',
        'tenant-purge',
      ]);
      for (const job of jobs) {
        expect(job).toMatchObject({ runner: 'timer', healthy: true, last_success_at: null });
        expect(job.workers).toBeUndefined();
        expect(Date.parse(job.next_run_at!)).toBeGreaterThan(Date.now());
      }
    } finally {
      await t.close();
    }
  });
  it('with ClickHouse as the event store: the weekly compaction instead of the rollup refresh', async () => {
    const t = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_COMPACTION_SECONDS: '1800' },
    });
    try {
      // Schedulers register just after boot.
      await eventually(async () => (await jobsOf(t)).code, 200);
      const { jobs } = await jobsOf(t);
      const names = jobs.map((job) => job.job);
      expect(names).toContain('clickhouse-compaction');
      expect(names).not.toContain('analytics-rollups');
      expect(jobs.find((job) => job.job === 'clickhouse-compaction')).toMatchObject({
        runner: 'bullmq',
        schedule: 'every 1800s',
      });
    } finally {
      await t.close();
    }
  });
});
