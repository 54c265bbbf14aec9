import { createClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';
import type { EventRow } from '../../src/ingestion/events/event-contract';

export const DAY = 86_400_000;
const TYPES = ['signup', 'page_view', 'purchase'];

/**
 * A deterministic dataset: `count` events of `users` over the six days before `now`, whole
 * seconds, with sessions and a property. The same seed gives the same events (new ids).
 */
export function dataset(
  tenantId: string,
  users: string[],
  count: number,
  now: number,
  seed: number,
  spanMs = 6 * DAY,
): EventRow[] {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => {
    const user = users[Math.floor(random() * users.length)];
    return {
      tenantId,
      eventId: randomUUID(),
      eventType: TYPES[Math.floor(random() * TYPES.length)],
      timestamp: new Date(Math.floor((now - random() * spanMs) / 1000) * 1000),
      userId: user,
      sessionId: user ? `${user}-s${Math.floor(random() * 3)}` : '',
      properties: { plan: random() < 0.5 ? 'pro' : 'free' },
      receivedAt: new Date(now),
    };
  });
}

/** The same events for another tenant, with ids of their own. */
export function twinOf(rows: EventRow[], tenantId: string): EventRow[] {
  return rows.map((row) => ({ ...row, tenantId, eventId: randomUUID() }));
}

/**
 * Every analytics route's answer for the tenant behind `auth` over [from, to): summary,
 * timeseries (each metric), breakdown (event type, user, a property), funnel and retention.
 */
export async function analyticsAnswers(
  http: TestAgent,
  auth: Record<string, string>,
  from: Date,
  to: Date,
): Promise<Record<string, unknown>> {
  const range = { from: from.toISOString(), to: to.toISOString() };
  const get = async (path: string, query: Record<string, string>) =>
    (
      await http
        .get(path)
        .query({ ...range, ...query })
        .set(auth)
        .expect(200)
    ).body as unknown;
  const answers: Record<string, unknown> = {
    summary: await get('/v1/analytics/summary', {}),
    summary_purchases: await get('/v1/analytics/summary', { event_type: 'purchase' }),
    breakdown_types: await get('/v1/analytics/breakdown', { dimension: 'event_type' }),
    breakdown_users: await get('/v1/analytics/breakdown', { dimension: 'user_id', limit: '100' }),
    breakdown_plan: await get('/v1/analytics/breakdown', { dimension: 'property.plan' }),
    retention: await get('/v1/analytics/retention', {
      cohort_event: 'signup',
      return_event: 'page_view',
      periods: '3',
    }),
  };
  for (const metric of ['events', 'users', 'sessions']) {
    answers[`timeseries_${metric}`] = await get('/v1/analytics/timeseries', {
      metric,
      interval: 'day',
    });
  }
  answers.funnel = (
    await http
      .post('/v1/analytics/funnel')
      .query(range)
      .set(auth)
      .send({ steps: ['signup', 'page_view', 'purchase'], window_seconds: 86_400 })
      .expect(200)
  ).body as unknown;
  return answers;
}

/** The ClickHouse daily rollup of one tenant, merged per day and event type. */
export async function clickhouseRollup(tenantId: string): Promise<unknown[]> {
  const client = createClient({
    url: process.env.CLICKHOUSE_URL,
    username: process.env.CLICKHOUSE_WRITER_USER,
    password: process.env.CLICKHOUSE_WRITER_PASSWORD,
  });
  try {
    const result = await client.query({
      query: `SELECT toString(day) AS day, event_type, uniqExactMerge(events) AS events,
                     uniqExactIfMerge(users) AS users, uniqExactIfMerge(sessions) AS sessions
                FROM ${process.env.CLICKHOUSE_DATABASE}.events_daily
               WHERE tenant_id = toUUID('${tenantId}')
               GROUP BY day, event_type ORDER BY day, event_type`,
      format: 'JSONEachRow',
    });
    return await result.json();
  } finally {
    await client.close();
  }
}

/** Polls until `done` holds for the value read, or fails with the last value. */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
