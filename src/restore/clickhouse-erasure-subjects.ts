import type { ClickHouseEventStore } from '../ingestion/store/clickhouse-event.store';
import { identifier, stringLiteral, uuidLiteral } from '../ingestion/store/clickhouse/sql-literal';
import { utcSeconds } from '../ingestion/store/event-deletion';

const DIGEST = /^[0-9a-f]{64}$/;

/**
 * The user ids of `tenantId`'s events in ClickHouse, sent at or before `cutoff`, whose erasure
 * digest (SHA-256 of "<tenant id>:<user id>", as subjectDigest() in erasures.service.ts) is
 * `digest`: the ids a completed erasure removed, found again in a snapshot taken before it.
 * SHA256, hex and lower run alike on 18.16 and current servers. At most one id can match;
 * the bound only keeps a broken digest from sizing the answer.
 */
export async function usersOfErasure(
  store: ClickHouseEventStore,
  erasure: { tenantId: string; subjectDigest: string; cutoff: Date },
): Promise<string[]> {
  if (!DIGEST.test(erasure.subjectDigest)) throw new Error('not a subject digest');
  const at = `toDateTime(${stringLiteral(utcSeconds(erasure.cutoff))}, 'UTC')`;
  const tenant = uuidLiteral(erasure.tenantId);
  await store.prepare();
  // Each distinct user id hashed once, not each event; on the tenant's shard (its local table).
  const rows = await store.nodeOf(erasure.tenantId).writerSelect<{ user_id: string }>(
    `SELECT user_id FROM (
       SELECT DISTINCT user_id FROM ${identifier(store.database)}.events
        WHERE tenant_id = ${tenant} AND (received_at <= ${at} OR timestamp <= ${at}))
      WHERE lower(hex(SHA256(concat(toString(${tenant}), ':', user_id)))) = ${stringLiteral(erasure.subjectDigest)}
      LIMIT 2`,
  );
  return rows.map((row) => row.user_id);
}
