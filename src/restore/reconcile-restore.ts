import type Redis from 'ioredis';
import { ClickHouseEventDeletion } from '../ingestion/store/clickhouse-event-deletion';
import type { ClickHouseEventStore } from '../ingestion/store/clickhouse-event.store';
import type { IsolationReport } from '../isolation/isolation-report';
import type { RetentionReport } from '../privacy/retention/retention-enforcer.service';
import { usersOfErasure } from './clickhouse-erasure-subjects';
import { deleteComputedKeys } from './computed-redis-keys';
import type { ReplayMark } from './replay-marks-report';
import type { CompletedErasure, RestoreRecordsRepository } from './restore-records.repository';

/** What the reconciliation works on; a store left out is not configured (its step is skipped). */
export interface ReconcileSources {
  records: RestoreRecordsRepository;
  /** ClickHouse as the writer, when it is the event store. */
  clickhouse?: ClickHouseEventStore;
  /** The PostgreSQL event store's erasure, when it is the event store. */
  postgres?: ErasureTarget;
  /** One retention pass (RetentionEnforcerService.enforce). */
  retention: () => Promise<RetentionReport>;
  redis?: { client: Redis; database: string };
  /** The same report as `npm run isolation-report`. */
  isolation: () => Promise<IsolationReport>;
  /** One line per step and progress, for the operator (stderr). */
  log: (entry: Record<string, unknown>) => void;
}

/** One event store's erasure: who a completed erasure named, and its deletion for one user. */
export interface ErasureTarget {
  usersOf(erasure: CompletedErasure): Promise<string[]>;
  eraseUser(
    tenantId: string,
    userId: string,
    cutoff: Date,
  ): Promise<{ events: number; days: string[] }>;
}

export interface ReconcileOptions {
  /** When the ClickHouse snapshot was taken: erasures completed after it are made again. */
  since: Date;
  /** This restore's marks (from the Kafka offsets reset report), to write; none without. */
  replayMarks?: { restoreId: string; marks: ReplayMark[] };
}

export interface ReconcileSummary {
  ok: boolean;
  since: string;
  purged_tenants: { tenants: number; rows_removed: Record<string, number> } | { skipped: string };
  erasures:
    | {
        store: 'clickhouse' | 'postgres';
        completed_since: number;
        events_removed: number;
        rollup_days_recomputed: number;
      }
    | { skipped: string };
  retention: RetentionReport | null;
  redis: { keys_deleted: Record<string, number> } | { skipped: string };
  isolation: { verdict: IsolationReport['verdict']; problems: string[] } | null;
  replay_marks: { restore_id: string; marks: number } | { cleared: number } | { skipped: string };
  failures: string[];
}

const NO_CLICKHOUSE = 'ClickHouse is not the event store';

/** A failing isolation report fails the restore: its problems, or none. */
export function isolationGate(report: Pick<IsolationReport, 'verdict' | 'problems'>): string[] {
  if (report.verdict === 'ok') return [];
  return report.problems.length > 0 ? report.problems : ['the isolation report found a problem'];
}

/**
 * Brings the restored stores back to every promise made after the ClickHouse snapshot (see the
 * README's "Reconciliation after a restore"): purged tenants' rows and erased users' events out
 * of ClickHouse again, one retention pass, the computed Redis keys dropped, the isolation gate,
 * and this restore's replay marks. Each step runs even when one before it failed (each is
 * idempotent; the operator runs the whole again after a fix); `ok` only when none failed.
 */
export async function reconcileRestore(
  sources: ReconcileSources,
  options: ReconcileOptions,
): Promise<ReconcileSummary> {
  const failures: string[] = [];
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T | null> => {
    sources.log({ msg: 'reconcile: step started', step: name });
    try {
      const result = await work();
      sources.log({ msg: 'reconcile: step done', step: name, result });
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`${name}: ${message}`);
      sources.log({ msg: 'reconcile: step failed', step: name, error: message });
      return null;
    }
  };
  const { clickhouse, redis } = sources;

  const purged = clickhouse
    ? await step('purged_tenants', () => purgeDeletedTenants(sources, clickhouse))
    : { skipped: NO_CLICKHOUSE };
  const erasureTarget = clickhouse ? clickhouseErasure(clickhouse) : sources.postgres;
  const erasures = erasureTarget
    ? await step('erasures', () =>
        eraseAgain(sources, clickhouse ? 'clickhouse' : 'postgres', erasureTarget, options.since),
      )
    : { skipped: 'no event store given' };
  const retention = await step('retention', () => sources.retention());
  const redisResult = redis
    ? await step('redis', async () => ({
        keys_deleted: await deleteComputedKeys(redis.client, redis.database, (deleted) =>
          sources.log({ msg: 'reconcile: redis keys deleted', deleted }),
        ),
      }))
    : { skipped: 'REDIS_URL is not set' };
  const marks = options.replayMarks;
  // Without a report this is the run after the catch-up: the replay is over, so the marks go. Left
  // in place they would outlive the topic's offsets (a broker rebuilt, a topic recreated) and
  // exempt new events from metering.
  const replay = marks
    ? await step('replay_marks', async () => {
        await sources.records.replaceReplayMarks(marks.restoreId, marks.marks);
        return { restore_id: marks.restoreId, marks: marks.marks.length };
      })
    : await step('replay_marks', async () => ({
        cleared: await sources.records.clearReplayMarks(),
      }));
  // Last, so it judges the database as the app will find it.
  const isolation = await step('isolation', async () => {
    const report = await sources.isolation();
    const problems = isolationGate(report);
    if (problems.length > 0) failures.push(...problems.map((p) => `isolation: ${p}`));
    return { verdict: report.verdict, problems: report.problems };
  });

  return {
    ok: failures.length === 0,
    since: options.since.toISOString(),
    purged_tenants: purged ?? { skipped: 'failed' },
    erasures: erasures ?? { skipped: 'failed' },
    retention,
    redis: redisResult ?? { skipped: 'failed' },
    isolation,
    replay_marks: replay ?? { skipped: 'failed' },
    failures,
  };
}

/** Step 1: a purging or purged tenant's rows in any ClickHouse table, deleted (idempotent). */
async function purgeDeletedTenants(
  sources: ReconcileSources,
  clickhouse: ClickHouseEventStore,
): Promise<{ tenants: number; rows_removed: Record<string, number> }> {
  const tenants = await sources.records.deletedTenants();
  const removed: Record<string, number> = {};
  for (const [index, tenantId] of tenants.entries()) {
    const perTable = await clickhouse.purgeTenant(tenantId);
    const rows = Object.values(perTable).reduce((sum, n) => sum + n, 0);
    for (const [table, n] of Object.entries(perTable)) removed[table] = (removed[table] ?? 0) + n;
    if (rows > 0) {
      sources.log({ msg: 'reconcile: purged tenant rows removed', tenant_id: tenantId, rows });
    }
    sources.log({
      msg: 'reconcile: progress',
      step: 'purged_tenants',
      done: index + 1,
      of: tenants.length,
    });
  }
  return { tenants: tenants.length, rows_removed: removed };
}

/** ClickHouse's side: who the digest names in the snapshot, and the erasure's own deletion. */
function clickhouseErasure(clickhouse: ClickHouseEventStore): ErasureTarget {
  const deletion = new ClickHouseEventDeletion(clickhouse);
  return {
    usersOf: (erasure) => usersOfErasure(clickhouse, erasure),
    eraseUser: (tenantId, userId, cutoff) => deletion.eraseUser(tenantId, userId, cutoff),
  };
}

/**
 * Step 2: every erasure completed after the snapshot, made again in the event store with the
 * erasure's own deletion (its events up to the cut-off; in ClickHouse the rollup days
 * recomputed, in PostgreSQL the touched days marked stale by the events trigger). ClickHouse:
 * the snapshot predates the erasure. PostgreSQL: restored with the erasure done, but a Kafka
 * replay from the snapshot's offsets stores the erased events again.
 */
async function eraseAgain(
  sources: ReconcileSources,
  store: 'clickhouse' | 'postgres',
  target: ErasureTarget,
  since: Date,
) {
  const erasures = await sources.records.erasuresCompletedSince(since);
  let events = 0;
  let days = 0;
  for (const [index, erasure] of erasures.entries()) {
    for (const userId of await target.usersOf(erasure)) {
      const removed = await target.eraseUser(erasure.tenantId, userId, erasure.cutoff);
      events += removed.events;
      days += removed.days.length;
      sources.log({
        msg: 'reconcile: erased events removed again',
        tenant_id: erasure.tenantId,
        erasure_id: erasure.id,
        events: removed.events,
      });
    }
    sources.log({
      msg: 'reconcile: progress',
      step: 'erasures',
      done: index + 1,
      of: erasures.length,
    });
  }
  return {
    store,
    completed_since: erasures.length,
    events_removed: events,
    rollup_days_recomputed: days,
  };
}
