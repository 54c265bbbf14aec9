import type { RetentionEvents, RetentionInterval } from '../query/retention';

/**
 * Rows of (cohort, returned, users), bucket starts in epoch ms: a cohort's size where
 * `returned` is null, else its users with a return event in that bucket (query/retention.ts).
 * `where` is the filter's clause without an event type. Buckets as the timeseries makes them: date_trunc on the local wall-clock time, then back.
 */
export function postgresRetentionSql(
  where: { sql: string; values: unknown[] },
  events: RetentionEvents,
  interval: RetentionInterval,
  timezone: string,
): { sql: string; values: unknown[] } {
  const values = [...where.values, interval, timezone];
  const interval$ = `$${values.length - 1}`;
  const zone$ = `$${values.length}`;
  const typeIs = (eventType: string | undefined): string => {
    if (eventType === undefined) return 'true';
    values.push(eventType);
    return `event_type = $${values.length}`;
  };
  const isCohortEvent = typeIs(events.cohortEvent);
  const isReturnEvent = typeIs(events.returnEvent);
  return {
    sql: `WITH ev AS MATERIALIZED (
            SELECT user_id, event_type,
                   extract(epoch FROM (date_trunc(${interval$}, "timestamp" AT TIME ZONE ${zone$})
                                       AT TIME ZONE ${zone$})) * 1000 AS bucket
              FROM events
             WHERE ${where.sql} AND user_id <> '' AND (${isCohortEvent} OR ${isReturnEvent})),
          cohorts AS (
            SELECT user_id, min(bucket) AS cohort FROM ev WHERE ${isCohortEvent} GROUP BY user_id),
          returns AS (SELECT DISTINCT user_id, bucket AS returned FROM ev WHERE ${isReturnEvent})
          SELECT cohort, NULL::numeric AS returned, count(*) AS users FROM cohorts GROUP BY cohort
          UNION ALL
          SELECT c.cohort, r.returned, count(*) AS users
            FROM cohorts c JOIN returns r USING (user_id)
           WHERE r.returned >= c.cohort
           GROUP BY c.cohort, r.returned`,
    values,
  };
}
