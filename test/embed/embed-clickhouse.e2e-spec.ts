import { anEvent } from '../support/ingestion';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';
import { guestToken } from './embed-support';

/**
 * The embed data route on the ClickHouse store (no Kafka: the API writes to the store before it
 * answers): the same widget numbers as on PostgreSQL, and only the token's tenant's.
 */
describe('embed data route on ClickHouse', () => {
  let t: TestApp;
  beforeAll(async () => {
    if (!process.env.CLICKHOUSE_URL) throw new Error('the local stack has no ClickHouse');
    t = await createTestApp({ env: { KAFKA_BROKERS: '' } });
  });
  afterAll(() => t.close());

  it("answers each widget with the token tenant's numbers and the token's filters", async () => {
    const tenant = await createTenant(t.http);
    const other = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({
        events: ['DE', 'DE', 'US'].map((country, i) =>
          anEvent({ user_id: `u${i}`, properties: { country } }),
        ),
      })
      .expect(202);
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(other.id)))
      .send({ events: [anEvent({ properties: { country: 'DE' } })] })
      .expect(202);
    const dashboard = (
      await t.http
        .post('/v1/dashboards')
        .set(auth)
        .send({
          name: 'CH',
          widgets: [
            { kind: 'kpi', metric: 'users', options: { range_days: 1 } },
            { kind: 'timeseries', options: { interval: 'hour', range_days: 1 } },
            { kind: 'breakdown', options: { dimension: 'property.country', range_days: 1 } },
          ],
        })
        .expect(201)
    ).body as { id: string; widgets: { id: string }[] };
    const { token } = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { id: 'g' },
      filters: { country: 'DE' },
    });
    const get = async (index: number) =>
      (
        await t.http
          .get(`/embed/api/dashboards/${dashboard.id}/widgets/${dashboard.widgets[index].id}`)
          .set(bearer(token))
          .expect(200)
      ).body;
    expect(await get(0)).toMatchObject({ kind: 'kpi', metric: 'users', value: 2 });
    const series = await get(1);
    expect(series.buckets.reduce((sum: number, b: { value: number }) => sum + b.value, 0)).toBe(2);
    expect((await get(2)).rows).toEqual([{ value: 'DE', events: 2, share: 1 }]);
  });
});
