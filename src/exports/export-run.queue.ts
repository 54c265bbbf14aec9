/**
 * The BullMQ queue export runs go through when Redis is configured: a plain queue (one job per
 * export, job id = export id, so a repeated add is a no-op), not a repeatable job.
 */
export const EXPORT_RUN_QUEUE = 'data-exports';
export const EXPORT_RUN_JOB = 'export';

export interface ExportRunData {
  tenantId: string;
  exportId: string;
}
