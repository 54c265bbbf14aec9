import type { ScheduledJob } from '../jobs/scheduled-job';
import { longestGapMs } from './backup-schedule';

/** The queue of the platform-backups job (also its name in logs, metrics and /health/jobs). */
export const BACKUP_QUEUE = 'platform-backups';

/** The provider token of the job's definition, built from BACKUP_SCHEDULE at start-up. */
export const BACKUP_JOB = Symbol('BACKUP_JOB');

/**
 * A backup of every store (`backup.sh create`, then `prune`) on BACKUP_SCHEDULE's cron (UTC,
 * 02:00 daily by default). Without Redis the in-process timer runs it once per the schedule's
 * longest gap after start instead (a day for the default).
 */
export function backupJob(schedule: string): ScheduledJob {
  return {
    queue: BACKUP_QUEUE,
    schedulerId: 'create-backup',
    jobName: 'backup',
    repeat: { pattern: schedule },
    periodMs: longestGapMs(schedule),
    keepRuns: 30,
  };
}
