import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { sha256Hex } from '../../src/common/sha256';
import { PostgresEventStore } from '../../src/ingestion/store/postgres-event.store';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';
import { eventRow } from '../support/analytics-stores';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';
import { until } from './privacy-support';

/**
 * The erasure request routes as a caller meets them: bounded, validated input (exactly as
 * ingestion takes user_id), owners and admins only, another tenant's request a 404 that is
 * audited in its owner's log, and the table isolated by RLS.
 */
describe('erasure requests: input, access and isolation', () => {
  let t: TestApp;
  let a: string;
  let b: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', REDIS_URL: '' } });
    a = (await createTenant(t.http)).id;
    b = (await createTenant(t.http)).id;
  });
  afterAll(() => t.close());

  const as = (tenantId: string, role = 'owner') =>
    bearer(tenantToken(tenantId, { claims: role === 'owner' ? {} : { role } }));

  const count = async (tenantId: string) =>
    (await t.http.get('/v1/privacy/erasures').set(as(tenantId)).expect(200)).body.total as number;

  it.each([
    ['no body field', {}],
    ['an empty user id', { user_id: '' }],
    ['a number', { user_id: 42 }],
    ['an array', { user_id: ['u'] }],
    ['a user id past 256 characters', { user_id: 'u'.repeat(257) }],
    ['a NUL', { user_id: 'a\u0000b' }],
    ['a lone surrogate', { user_id: 'a\ud800b' }],
    ['an unknown field', { user_id: 'u', everyone: true }],
  ])('refuses %s with a 400 naming the field, and stores nothing', async (_name, body) => {
    const before = await count(a);
    const response = await t.http.post('/v1/privacy/erasures').set(as(a)).send(body).expect(400);
    const fields = (response.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.every((field) => ['user_id', 'everyone'].includes(field))).toBe(true);
    expect(await count(a)).toBe(before);
  });

  it('takes a user id of exactly 256 characters, quotes, backslashes and emoji included, and erases it', async () => {
    const id = `'"\\; DROP TABLE events; --😀${'x'.repeat(229)}`;
    expect([...id]).toHaveLength(256);
    const response = await t.http
      .post('/v1/privacy/erasures')
      .set(as(a))
      .send({ user_id: id })
      .expect(202);
    expect(response.body.status).toBe('pending');
    const done = await until(
      async () =>
        (await t.http.get(`/v1/privacy/erasures/${response.body.id}`).set(as(a)).expect(200))
          .body as { status: string; removed: unknown },
      (body) => body.status !== 'pending' && body.status !== 'running',
    );
    expect(done).toMatchObject({
      status: 'completed',
      removed: { postgres: { events: 0, rollup_days: 0 } },
    });
  });

  it('is for owners and admins: analysts and viewers get 403', async () => {
    for (const role of ['analyst', 'viewer']) {
      await t.http.post('/v1/privacy/erasures').set(as(a, role)).send({ user_id: 'u' }).expect(403);
      await t.http.get('/v1/privacy/erasures').set(as(a, role)).expect(403);
    }
    await t.http
      .post('/v1/privacy/erasures')
      .set(as(a, 'admin'))
      .send({ user_id: 'u' })
      .expect(202);
  });

  it("answers 404 for another tenant's request, and records the attempt in that tenant's log", async () => {
    const mine = await t.http
      .post('/v1/privacy/erasures')
      .set(as(a))
      .send({ user_id: 'someone' })
      .expect(202);
    const id: string = mine.body.id;
    await t.http.get(`/v1/privacy/erasures/${id}`).set(as(a)).expect(200);
    await t.http.get(`/v1/privacy/erasures/${id}`).set(as(b)).expect(404);
    await t.http.get(`/v1/privacy/erasures/${randomUUID()}`).set(as(b)).expect(404);
    await t.http.get('/v1/privacy/erasures/not-a-uuid').set(as(b)).expect(400);
    expect((await t.http.get('/v1/privacy/erasures').set(as(b)).expect(200)).body.total).toBe(0);
    const log = await t.http
      .get('/v1/audit-log')
      .query({ limit: '100', action: 'cross_tenant_attempt' })
      .set(as(a))
      .expect(200);
    expect(log.body.data).toEqual([
      expect.objectContaining({
        resource_type: 'erasure',
        resource_id: id,
        cross_tenant_attempt: true,
        details: expect.objectContaining({ caller_tenant_id: b }),
      }),
    ]);
  });

  it('bounds list pages like every list', async () => {
    await t.http.get('/v1/privacy/erasures').query({ limit: '101' }).set(as(a)).expect(400);
    await t.http.get('/v1/privacy/erasures').query({ page: '0' }).set(as(a)).expect(400);
    const page = await t.http.get('/v1/privacy/erasures').query({ limit: '1' }).set(as(a));
    expect(page.body).toMatchObject({ limit: 1, page: 1 });
    expect(page.body.data).toHaveLength(1);
  });

  it('isolates erasure_requests: another tenant can neither read nor write its rows', async () => {
    const app = await connectAs('app');
    try {
      const [row] = (
        await asTenant(app, a, () => app.query('SELECT id FROM erasure_requests LIMIT 1'))
      ).rows as { id: string }[];
      expect(row).toBeDefined();
      await asTenant(app, b, async () => {
        expect(
          (await app.query('SELECT * FROM erasure_requests WHERE id = $1', [row.id])).rowCount,
        ).toBe(0);
        const updated = await app.query(
          "UPDATE erasure_requests SET status = 'failed' WHERE id = $1",
          [row.id],
        );
        expect(updated.rowCount).toBe(0);
        expect(
          await sqlState(
            app,
            `INSERT INTO erasure_requests (tenant_id, subject_digest, user_id, requested_by_type, cutoff)
             VALUES ($1, repeat('a', 64), 'u', 'user', now())`,
            [a],
          ),
        ).toBe('42501');
        expect(await sqlState(app, 'DELETE FROM erasure_requests WHERE id = $1', [row.id])).toBe(
          '42501',
        );
      });
      // Nor with no tenant at all.
      expect((await app.query('SELECT * FROM erasure_requests')).rowCount).toBe(0);
    } finally {
      await app.end();
    }
  });

  it('queues again at start-up a request whose pass was lost (a crash before it ran)', async () => {
    const tenantContext = t.app.get(TenantContext);
    const store = new PostgresEventStore(tenantContext, t.app.get(DataSource));
    const lost = 'lost-in-a-crash';
    await store.write([eventRow(a, 'page_view', new Date(Date.now() - 3_600_000), lost)]);
    expect(await store.countEvents(a)).toBeGreaterThan(0);
    const app = await connectAs('app');
    let id: string;
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.tenant_id', $1, true)", [a]);
      ({
        rows: [{ id }],
      } = await app.query<{ id: string }>(
        `INSERT INTO erasure_requests (tenant_id, user_id, subject_digest, requested_by_type, cutoff)
         VALUES ($1, $2, $3, 'user', now()) RETURNING id`,
        [a, lost, sha256Hex(`${a}:${lost}`)],
      ));
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
    const restarted = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', REDIS_URL: '' },
    });
    try {
      const done = await until(
        async () =>
          (await restarted.http.get(`/v1/privacy/erasures/${id}`).set(as(a)).expect(200)).body as {
            status: string;
            removed: { postgres?: { events: number } };
          },
        (body) => body.status === 'completed',
      );
      expect(done.removed.postgres?.events).toBe(1);
    } finally {
      await restarted.close();
    }
  });
});
