import { stringLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import type { EventFilter } from '../query/analytics-query';
import type { RetentionEvents, RetentionInterval } from '../query/retention';
import { bucketSql, clickhouseWhere } from './clickhouse-filter';

/** Each user's cohort: the bucket (epoch seconds) of their first cohort event in the range. */
function cohortsSubquery(
  table: string,
  filter: EventFilter,
  events: RetentionEvents,
  bucket: string,
): string {
  return `SELECT user_id, min(toUInt32(${bucket})) AS cohort
            FROM ${table} FINAL
           WHERE ${clickhouseWhere({ ...filter, eventType: events.cohortEvent })} AND user_id != ''
           GROUP BY user_id`;
}

/** Rows of (cohort, users): the size of each cohort. */
export function clickhouseCohortSizesSql(
  table: string,
  filter: EventFilter,
  events: RetentionEvents,
  interval: RetentionInterval,
  timezone: string,
): string {
  const bucket = bucketSql(interval, stringLiteral(timezone));
  return `SELECT cohort, count() AS users
            FROM (${cohortsSubquery(table, filter, events, bucket)})
           GROUP BY cohort`;
}

/** Rows of (cohort, returned, users): a cohort's users with a return event in a bucket. */
export function clickhouseReturnsSql(
  table: string,
  filter: EventFilter,
  events: RetentionEvents,
  interval: RetentionInterval,
  timezone: string,
): string {
  const bucket = bucketSql(interval, stringLiteral(timezone));
  return `SELECT cohort, returned, count() AS users
            FROM (${cohortsSubquery(table, filter, events, bucket)})
            ALL INNER JOIN (
              SELECT DISTINCT user_id, toUInt32(${bucket}) AS returned
                FROM ${table} FINAL
               WHERE ${clickhouseWhere({ ...filter, eventType: events.returnEvent })}
                 AND user_id != '') USING user_id
           WHERE returned >= cohort
           GROUP BY cohort, returned`;
}
