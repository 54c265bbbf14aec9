/** What an erasure removed from one store: events, and the rollup days recomputed for it. */
export interface StoreRemoval {
  events: number;
  rollup_days: number;
}

export const ERASURE_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type ErasureStatus = (typeof ERASURE_STATUSES)[number];

/** One row of erasure_requests. The user id is there only while work is left. */
export interface ErasureRequest {
  tenantId: string;
  id: string;
  userId: string | null;
  subjectDigest: string;
  status: ErasureStatus;
  requestedByType: string;
  requestedBy: string | null;
  cutoff: Date;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  recheckAfter: Date | null;
  recheckedAt: Date | null;
  removed: Partial<Record<'postgres' | 'clickhouse', StoreRemoval>>;
  error: string | null;
}

/** The erasure job's payload: ids only, never the end user's id (Redis keeps job data). */
export interface ErasureJobData {
  tenantId: string;
  erasureId: string;
  pass: 'first' | 'recheck';
}
