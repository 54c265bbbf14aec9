import type { ScheduledJob } from '../../jobs/scheduled-job';

/** The finaliser runs every 15 minutes: a closed period is invoiced within 15 minutes. */
export const INVOICE_JOB: ScheduledJob = {
  queue: 'billing-invoices',
  schedulerId: 'finalise-invoices',
  jobName: 'finalise',
  repeat: { every: 15 * 60_000 },
  periodMs: 15 * 60_000,
  keepRuns: 30,
};
