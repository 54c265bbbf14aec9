import { stringLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import type { EventFilter } from '../query/analytics-query';
import { FUNNEL_TIME_SCALE, type FunnelDefinition } from '../query/funnel';
import { clickhouseWhere } from './clickhouse-filter';

/**
 * The deepest funnel step per user, counted per depth: rows of (level, users). windowFunnel gets
 * a scaled time, (seconds since `from`) × 8 + step number, so ties between steps sort by step
 * on 18.16 (which otherwise keeps arrival order) as on current releases; the window scales
 * with it, 7 added so a later step in the last second still fits (query/funnel.ts).
 */
export function clickhouseFunnelSql(
  table: string,
  filter: EventFilter,
  funnel: FunnelDefinition,
): string {
  const from = Math.floor(filter.from.getTime() / 1000);
  const types = funnel.steps.map(stringLiteral);
  const scaled = `toUInt32((toUInt32(timestamp) - ${from}) * ${FUNNEL_TIME_SCALE} + toUInt8(indexOf([${types.join(', ')}], event_type)))`;
  const window = Math.floor(funnel.windowSeconds) * FUNNEL_TIME_SCALE + FUNNEL_TIME_SCALE - 1;
  const conditions = types.map((type) => `event_type = ${type}`).join(', ');
  return `SELECT level, count() AS users FROM (
            SELECT user_id, windowFunnel(${window})(${scaled}, ${conditions}) AS level
              FROM ${table} FINAL
             WHERE ${clickhouseWhere({ ...filter, eventType: undefined })}
               AND user_id != '' AND event_type IN (${types.join(', ')})
             GROUP BY user_id)
          GROUP BY level`;
}
