import { stringLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import { FUNNEL_TIME_SCALE, type FunnelDefinition } from '../query/funnel';

/**
 * The deepest funnel step per user, counted per depth: rows of (level, users). `where` is the
 * filter's clause without an event type; `from` its start. windowFunnel gets
 * a scaled time, (seconds since `from`) × 8 + step number, so ties between steps sort by step
 * on 18.16 (which otherwise keeps arrival order) as on current releases; the window scales
 * with it, 7 added so a later step in the last second still fits (query/funnel.ts). Users are
 * grouped by their 64-bit hash (0: no user id), integers instead of strings.
 */
export function clickhouseFunnelSql(
  table: string,
  where: string,
  from: Date,
  funnel: FunnelDefinition,
): string {
  const origin = Math.floor(from.getTime() / 1000);
  const types = funnel.steps.map(stringLiteral);
  const scaled = `toUInt32((toUInt32(timestamp) - ${origin}) * ${FUNNEL_TIME_SCALE} + toUInt8(indexOf([${types.join(', ')}], event_type)))`;
  const window = Math.floor(funnel.windowSeconds) * FUNNEL_TIME_SCALE + FUNNEL_TIME_SCALE - 1;
  const conditions = types.map((type) => `event_type = ${type}`).join(', ');
  return `SELECT level, count() AS users FROM (
            SELECT user_hash, windowFunnel(${window})(${scaled}, ${conditions}) AS level
              FROM ${table}
             WHERE ${where}
               AND user_hash != 0 AND event_type IN (${types.join(', ')})
             GROUP BY user_hash)
          GROUP BY level`;
}
