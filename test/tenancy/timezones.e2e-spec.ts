import { createClient } from '@clickhouse/client';
import { TimezoneRulesService } from '../../src/tenancy/settings/timezone-rules.service';
import { guestToken } from '../embed/embed-support';
import { connectAs } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/** Whether the stack's ClickHouse server itself can compute in `zone` (asked directly). */
async function clickhouseKnows(zone: string): Promise<boolean> {
  const client = createClient({ url: process.env.CLICKHOUSE_URL });
  try {
    await client.query({ query: `SELECT toStartOfDay(now(), '${zone}')`, format: 'JSONEachRow' });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

/** Writes a tenant's stored timezone as it is, past the API (a value saved under older rules). */
async function storeTimezone(tenantId: string, timezone: string): Promise<void> {
  const client = await connectAs('app');
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    await client.query('UPDATE tenant_settings SET timezone = $1', [timezone]);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/**
 * Issue 11, finding 7: a tenant's timezone is stored under its canonical name and only when
 * every configured store knows it (here ClickHouse 18.16, which loads zone files by exact
 * name). Before, `utc` or `europe/berlin` were stored as given and every ClickHouse query of
 * the tenant in that zone answered 500.
 */
describe('tenant timezones on the ClickHouse store', () => {
  let t: TestApp;
  beforeAll(async () => {
    if (!process.env.CLICKHOUSE_URL) throw new Error('the local stack has no ClickHouse');
    t = await createTestApp({ env: { KAFKA_BROKERS: '', EVENT_STORE: 'clickhouse' } });
  });
  afterAll(() => t.close());

  const timeseries = (auth: { Authorization: string }) =>
    t.http.get('/v1/analytics/timeseries').query({ interval: 'day' }).set(auth);

  it.each([
    ['utc', 'UTC'],
    ['europe/berlin', 'Europe/Berlin'],
    ['AMERICA/NEW_YORK', 'America/New_York'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
  ])('stores %s as %s, and analytics answer in it', async (given, canonical) => {
    const auth = bearer(tenantToken((await createTenant(t.http)).id));
    const saved = await t.http.patch('/v1/settings').set(auth).send({ timezone: given });
    expect({ status: saved.status, timezone: saved.body.timezone }).toEqual({
      status: 200,
      timezone: canonical,
    });
    const read = await timeseries(auth);
    expect({ status: read.status, timezone: read.body.timezone }).toEqual({
      status: 200,
      timezone: canonical,
    });
  });

  it('takes Europe/Kyiv only when the live ClickHouse server knows it', async () => {
    const auth = bearer(tenantToken((await createTenant(t.http)).id));
    const known = await clickhouseKnows('Europe/Kyiv');
    const saved = await t.http.patch('/v1/settings').set(auth).send({ timezone: 'europe/kyiv' });
    if (known) {
      expect(saved.status).toBe(200);
      expect(saved.body.timezone).toBe('Europe/Kyiv');
    } else {
      expect(saved.status).toBe(400);
      expect(saved.body.errors[0]).toMatchObject({ field: 'timezone' });
    }
    expect((await timeseries(auth)).status).toBe(200);
  });

  it('refuses a zone a configured store does not know, naming timezone', async () => {
    const auth = bearer(tenantToken((await createTenant(t.http)).id));
    const unknown = await t.http.patch('/v1/settings').set(auth).send({ timezone: 'Mars/Olympus' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'timezone', message: expect.any(String) }]);
    // A store that cannot compute in a zone every other part knows: refused, with the store named.
    t.app
      .get(TimezoneRulesService)
      .addStoreCheck('test', (zone) => Promise.resolve(zone !== 'Asia/Tokyo'));
    const refused = await t.http.patch('/v1/settings').set(auth).send({ timezone: 'asia/tokyo' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: 'timezone', message: expect.stringMatching(/Asia\/Tokyo is not known to the test/) },
    ]);
    expect((await t.http.get('/v1/settings').set(auth).expect(200)).body.timezone).toBe('UTC');
  });

  it('answers 503, not a verdict, while a store cannot say whether it knows a zone', async () => {
    const auth = bearer(tenantToken((await createTenant(t.http)).id));
    let down = true;
    t.app
      .get(TimezoneRulesService)
      .addStoreCheck('flaky', (zone) =>
        zone === 'Asia/Seoul' && down
          ? Promise.reject(new Error('connect ECONNREFUSED'))
          : Promise.resolve(true),
      );
    const unavailable = await t.http
      .patch('/v1/settings')
      .set(auth)
      .send({ timezone: 'Asia/Seoul' });
    expect(unavailable.status).toBe(503);
    down = false;
    const saved = await t.http.patch('/v1/settings').set(auth).send({ timezone: 'Asia/Seoul' });
    expect({ status: saved.status, timezone: saved.body.timezone }).toEqual({
      status: 200,
      timezone: 'Asia/Seoul',
    });
  });

  it('reads a zone stored under older rules without failing: canonical name, else UTC', async () => {
    for (const [stored, used] of [
      ['utc', 'UTC'],
      ['europe/berlin', 'Europe/Berlin'],
      ['Mars/Olympus', 'UTC'],
    ]) {
      const tenant = await createTenant(t.http);
      await storeTimezone(tenant.id, stored);
      const read = await timeseries(bearer(tenantToken(tenant.id)));
      expect({ stored, status: read.status, timezone: read.body.timezone }).toEqual({
        stored,
        status: 200,
        timezone: used,
      });
    }
  });

  it('embedded dashboards read a zone stored under older rules in its canonical name', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    const dashboard = (
      await t.http
        .post('/v1/dashboards')
        .set(auth)
        .send({ name: 'Zones', widgets: [{ kind: 'timeseries', options: { range_days: 2 } }] })
        .expect(201)
    ).body as { id: string; widgets: { id: string }[] };
    await storeTimezone(tenant.id, 'europe/berlin');
    const { token } = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { id: 'g' },
    });
    const widget = await t.http
      .get(`/embed/api/dashboards/${dashboard.id}/widgets/${dashboard.widgets[0].id}`)
      .set(bearer(token));
    expect({ status: widget.status, timezone: widget.body.timezone }).toEqual({
      status: 200,
      timezone: 'Europe/Berlin',
    });
  });
});
