import type { FunnelDefinition } from '../query/funnel';

/**
 * Users reaching each funnel step: one row, step1 … stepN; `where` is the filter's clause
 * without an event type. The semantics of query/funnel.ts, in one sort of the steps' events by
 * (user, second, step) and one window pass per step over that same order:
 *
 * - `startK` is set on a step-K event that ends a valid chain, to the latest start (step-1
 *   time) any such chain can have: the latest start leaves the most room for the next step.
 *   A step-1 event starts a chain at its own second.
 * - A step-K event takes the latest startK-1 at or before it (ordered by second, then step, so
 *   ties advance; the running max over the window's default frame), and ends a valid chain if
 *   it lies within the window of that start.
 *
 * Each user's deepest step is then taken from the rows already in user order. Users are their
 * 64-bit hashes (0: no user id, left out), seconds are timestamps cut to the second (cheaper
 * than epoch numbers), and the steps' window passes share the one sort: the step-by-step joins
 * this replaced sorted every step's candidates again.
 */
export function postgresFunnelSql(
  where: { sql: string; values: unknown[] },
  funnel: FunnelDefinition,
): { sql: string; values: unknown[] } {
  const steps$ = `$${where.values.length + 1}::text[]`;
  const window$ = `make_interval(secs => $${where.values.length + 2}::bigint)`;
  const count = funnel.steps.length;
  const ctes = [
    `l1 AS (
       SELECT user_hash, date_trunc('second', "timestamp") AS ts,
              array_position(${steps$}, event_type::text) AS step
         FROM events
        WHERE ${where.sql} AND user_hash <> 0 AND event_type = ANY (${steps$}))`,
  ];
  // Each level keeps the columns before it and adds its start.
  const carried = (step: number) =>
    Array.from({ length: step - 1 }, (_, i) => `, start${i + 2}`).join('');
  for (let step = 2; step <= count; step++) {
    const previousStart = step === 2 ? `CASE WHEN step = 1 THEN ts END` : `start${step - 1}`;
    ctes.push(`l${step} AS (
       SELECT user_hash, ts, step${carried(step - 1)},
              CASE WHEN step = ${step} AND ts <= best + ${window$} THEN best END AS start${step}
         FROM (SELECT *, max(${previousStart}) OVER (PARTITION BY user_hash ORDER BY ts, step) AS best
                 FROM l${step - 1}) ranked)`);
  }
  const depth = [
    ...Array.from({ length: count - 1 }, (_, i) => count - i).map(
      (step) => `WHEN start${step} IS NOT NULL THEN ${step}`,
    ),
    'WHEN step = 1 THEN 1',
  ].join(' ');
  const counts = funnel.steps.map(
    (_, index) => `count(*) FILTER (WHERE depth >= ${index + 1}) AS step${index + 1}`,
  );
  return {
    sql: `WITH ${ctes.join(',\n')}
          SELECT ${counts.join(', ')}
            FROM (SELECT user_hash, max(CASE ${depth} ELSE 0 END) AS depth
                    FROM l${count} GROUP BY user_hash) deepest`,
    values: [...where.values, funnel.steps, funnel.windowSeconds],
  };
}
