import {
  allowedIntervals,
  bucketCount,
  DAY_MS,
  INTERVALS,
  MAX_COHORTS,
  presetRange,
  PRESETS,
} from '../../src/web/app/explorer/range';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

jest.setTimeout(60_000);

/**
 * The explorer's pickers offer only what the API accepts: each interval it offers for a range is
 * one the timeseries route answers (at most 1000 buckets), day cohorts only when retention takes
 * them (at most 180), and every "last N days" preset stays inside a plan whose retention is
 * exactly N days (the starter plan's 90), even though the API measures from its own, later now.
 */
describe('/app explorer ranges against the API', () => {
  let t: TestApp;
  let enterprise: { Authorization: string };
  let starter: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    enterprise = bearer(tenantToken((await createTenant(t.http, { tier: 'enterprise' })).id));
    starter = bearer(tenantToken((await createTenant(t.http, { tier: 'starter' })).id));
  });
  afterAll(async () => {
    await t?.close();
  });

  const spans = [1, 7, 30, 41, 42, 90, 365, 700];

  it.each(spans)(
    'offers for %i days only intervals the timeseries route accepts',
    async (days) => {
      const range = presetRange(days);
      const offered = allowedIntervals(range);
      expect(offered.length).toBeGreaterThan(0);
      for (const interval of INTERVALS) {
        const answer = await t.http
          .get('/v1/analytics/timeseries')
          .query({ from: range.from, to: range.to, interval })
          .set(enterprise);
        // Offered means accepted; refused means not offered. (A count a bucket short of the
        // limit may be held back, never one past it offered.)
        if (offered.includes(interval))
          expect({ interval, status: answer.status }).toEqual({ interval, status: 200 });
        if (answer.status === 400) expect(offered).not.toContain(interval);
        if (answer.status === 200) expect(bucketCount(range, interval)).toBeLessThanOrEqual(1001);
      }
    },
  );

  it.each([30, 179, 181, 365])(
    'offers day cohorts for %i days only when retention takes them',
    async (days) => {
      const range = presetRange(days);
      const answer = await t.http
        .get('/v1/analytics/retention')
        .query({ from: range.from, to: range.to, interval: 'day' })
        .set(enterprise);
      const offered = bucketCount(range, 'day') <= MAX_COHORTS;
      if (offered) expect(answer.status).toBe(200);
      if (answer.status === 400) expect(offered).toBe(false);
    },
  );

  it("every preset is inside the starter plan's 90-day retention when the API reads it", async () => {
    for (const preset of PRESETS.filter((p) => p.value !== 'custom')) {
      // Built up to a minute before the request, as a page built it before its reader asked.
      const range = presetRange(Number(preset.value), Date.now() - 59_000);
      const answer = await t.http
        .get('/v1/analytics/summary')
        .query({ from: range.from, to: range.to })
        .set(starter);
      expect({
        preset: preset.value,
        status: answer.status,
        body: answer.status === 200 ? null : answer.body,
      }).toEqual({
        preset: preset.value,
        status: 200,
        body: null,
      });
    }
    // And one more day is refused, naming from: the bound is the API's, not the picker's.
    const tooLong = presetRange(91);
    const refused = await t.http
      .get('/v1/analytics/summary')
      .query({ from: tooLong.from, to: tooLong.to })
      .set(starter)
      .expect(400);
    expect(refused.body.errors[0].field).toBe('from');
    expect(Date.parse(tooLong.to) - Date.parse(tooLong.from)).toBe(91 * DAY_MS);
  });
});
