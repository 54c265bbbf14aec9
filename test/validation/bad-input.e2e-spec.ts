import { connect } from 'node:net';
import {
  adminAuth,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
  bearer,
} from '../support/test-app';

type Method = 'get' | 'post' | 'patch' | 'delete';
interface BadRequest {
  name: string;
  method: Method;
  path: string;
  auth: 'admin' | 'tenant';
  query?: Record<string, unknown> | string;
  body?: unknown;
  raw?: string;
  field: string;
}

const MALFORMED_ID = 'not-a-uuid';
const long = (n: number) => 'x'.repeat(n);

/**
 * Every route, every kind of bad input: 400 with the offending field named, JSON, never a 500,
 * and nothing stored.
 */
describe('bad input on every route', () => {
  let t: TestApp;
  let tenant: { id: string; slug: string };
  let token: string;

  beforeAll(async () => {
    t = await createTestApp();
    tenant = await createTenant(t.http);
    token = tenantToken(tenant.id);
  });
  afterAll(() => t.close());

  const marker = `Bad${Date.now()}`;
  const cases = (): BadRequest[] => {
    const id = tenant.id;
    return [
      // POST /admin/tenants
      {
        name: 'name of wrong type',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: 42, slug: 'ok-slug' },
        field: 'name',
      },
      {
        name: 'missing name',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { slug: 'ok-slug' },
        field: 'name',
      },
      {
        name: 'missing slug',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: marker },
        field: 'slug',
      },
      {
        name: 'unknown field',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: marker, slug: 'ok-slug', plan: 'gold' },
        field: 'plan',
      },
      {
        name: 'oversize name',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: `${marker}${long(201)}`, slug: 'ok-slug' },
        field: 'name',
      },
      {
        name: 'oversize slug',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: marker, slug: long(64) },
        field: 'slug',
      },
      {
        name: 'slug not a DNS label',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: marker, slug: 'Acme_Corp' },
        field: 'slug',
      },
      {
        name: 'slug with leading hyphen',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: marker, slug: '-acme' },
        field: 'slug',
      },
      {
        name: 'unknown tier',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: marker, slug: 'ok-slug', tier: 'platinum' },
        field: 'tier',
      },
      {
        name: 'tier of wrong type',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: marker, slug: 'ok-slug', tier: ['growth'] },
        field: 'tier',
      },
      {
        name: 'name with NUL',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        body: { name: `${marker}\u0000`, slug: 'ok-slug' },
        field: 'name',
      },
      {
        name: 'malformed JSON',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        raw: `{"name": "${marker}", "slug": `,
        field: 'body',
      },
      {
        name: 'JSON array body',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        raw: '[]',
        field: 'body',
      },
      {
        name: 'JSON string body',
        method: 'post',
        path: '/admin/tenants',
        auth: 'admin',
        raw: '"acme"',
        field: 'body',
      },
      // GET /admin/tenants
      {
        name: 'page not a number',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { page: 'abc' },
        field: 'page',
      },
      {
        name: 'page fractional',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { page: '1.5' },
        field: 'page',
      },
      {
        name: 'page zero',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { page: '0' },
        field: 'page',
      },
      {
        name: 'page repeated',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: 'page=1&page=2',
        field: 'page',
      },
      {
        name: 'limit too large',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { limit: '1000' },
        field: 'limit',
      },
      {
        name: 'limit huge',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { limit: '99999999999999999999' },
        field: 'limit',
      },
      {
        name: 'unknown status',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { status: 'gone' },
        field: 'status',
      },
      {
        name: 'unknown tier filter',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { tier: 'gold' },
        field: 'tier',
      },
      {
        name: 'oversize search',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { search: long(101) },
        field: 'search',
      },
      {
        name: 'unknown query parameter',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: { sort: 'name' },
        field: 'sort',
      },
      {
        name: 'nested query parameter',
        method: 'get',
        path: '/admin/tenants',
        auth: 'admin',
        query: 'search[$ne]=x',
        field: 'search[$ne]',
      },
      // /admin/tenants/:id
      {
        name: 'malformed id (get)',
        method: 'get',
        path: `/admin/tenants/${MALFORMED_ID}`,
        auth: 'admin',
        field: 'id',
      },
      {
        name: 'malformed id (patch)',
        method: 'patch',
        path: `/admin/tenants/${MALFORMED_ID}`,
        auth: 'admin',
        body: { name: 'x' },
        field: 'id',
      },
      {
        name: 'malformed id (delete)',
        method: 'delete',
        path: `/admin/tenants/${MALFORMED_ID}`,
        auth: 'admin',
        field: 'id',
      },
      {
        name: 'malformed id (statistics)',
        method: 'get',
        path: `/admin/tenants/${MALFORMED_ID}/statistics`,
        auth: 'admin',
        field: 'id',
      },
      {
        name: 'SQL in id',
        method: 'get',
        path: `/admin/tenants/${encodeURIComponent("1' OR '1'='1")}`,
        auth: 'admin',
        field: 'id',
      },
      {
        name: 'patch empty name',
        method: 'patch',
        path: `/admin/tenants/${id}`,
        auth: 'admin',
        body: { name: '' },
        field: 'name',
      },
      {
        name: 'patch status deleted',
        method: 'patch',
        path: `/admin/tenants/${id}`,
        auth: 'admin',
        body: { status: 'deleted' },
        field: 'status',
      },
      {
        name: 'patch tier of wrong type',
        method: 'patch',
        path: `/admin/tenants/${id}`,
        auth: 'admin',
        body: { tier: 3 },
        field: 'tier',
      },
      {
        name: 'patch immutable slug',
        method: 'patch',
        path: `/admin/tenants/${id}`,
        auth: 'admin',
        body: { slug: 'renamed' },
        field: 'slug',
      },
      {
        name: 'patch oversize name',
        method: 'patch',
        path: `/admin/tenants/${id}`,
        auth: 'admin',
        body: { name: long(201) },
        field: 'name',
      },
      {
        name: 'patch malformed JSON',
        method: 'patch',
        path: `/admin/tenants/${id}`,
        auth: 'admin',
        raw: '{"name":',
        field: 'body',
      },
      // PATCH /v1/settings
      {
        name: 'unknown time zone',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        body: { timezone: 'Mars/Olympus_Mons' },
        field: 'timezone',
      },
      {
        name: 'oversize time zone',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        body: { timezone: long(65) },
        field: 'timezone',
      },
      {
        name: 'time zone of wrong type',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        body: { timezone: 1 },
        field: 'timezone',
      },
      {
        name: 'unknown currency',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        body: { currency: 'XYZ' },
        field: 'currency',
      },
      {
        name: 'currency of wrong type',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        body: { currency: 978 },
        field: 'currency',
      },
      {
        name: 'malformed locale',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        body: { locale: 'not a locale!' },
        field: 'locale',
      },
      {
        name: 'unknown date format',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        body: { date_format: 'yyyy' },
        field: 'date_format',
      },
      {
        name: 'forged tenant_id',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        body: { tenant_id: '00000000-0000-4000-8000-000000000001' },
        field: 'tenant_id',
      },
      {
        name: 'settings malformed JSON',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        raw: '{timezone: UTC}',
        field: 'body',
      },
      {
        name: 'settings null body',
        method: 'patch',
        path: '/v1/settings',
        auth: 'tenant',
        raw: 'null',
        field: 'body',
      },
    ];
  };

  it.each(Array.from({ length: 46 }, (_, i) => i))(
    'case %i answers 400 naming its field',
    async (index) => {
      const c = cases()[index];
      expect(c).toBeDefined();
      let call = t.http[c.method](c.path).set(c.auth === 'admin' ? adminAuth : bearer(token));
      if (c.query) call = call.query(c.query);
      if (c.raw !== undefined) call = call.set('Content-Type', 'application/json').send(c.raw);
      else if (c.body !== undefined) call = call.send(c.body as object);
      const response = await call;
      expect({ case: c.name, status: response.status }).toEqual({ case: c.name, status: 400 });
      expect(response.headers['content-type']).toMatch(/application\/json/);
      const fields = (response.body.errors ?? []).map((e: { field: string }) => e.field);
      expect({ case: c.name, fields }).toEqual({
        case: c.name,
        fields: expect.arrayContaining([c.field]),
      });
      expect(typeof response.body.message).toBe('string');
    },
  );

  it('covers every case in the table', () => {
    expect(cases()).toHaveLength(46);
  });

  it('stored nothing from any rejected tenant', async () => {
    const response = await t.http
      .get('/admin/tenants')
      .query({ search: marker })
      .set(adminAuth)
      .expect(200);
    expect(response.body.total).toBe(0);
    const settings = await t.http.get('/v1/settings').set(bearer(token)).expect(200);
    expect(settings.body).toMatchObject({
      timezone: 'UTC',
      currency: 'USD',
      locale: 'en',
      date_format: 'YYYY-MM-DD',
    });
  });

  it('answers 413 to a body over the limit', async () => {
    const response = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: long(1_100_000), slug: 'big' }));
    expect(response.status).toBe(413);
    expect(response.body.statusCode).toBe(413);
  });

  it("answers JSON naming what was wrong when Node's parser refuses the request itself", async () => {
    const headers = await t.http
      .post(`/admin/tenants/${tenant.id}/move`)
      .set(adminAuth)
      .set('X-Padding', long(1_000_000))
      .send({ placement: 'silo-1' });
    expect(headers.status).toBe(431);
    expect(headers.headers['content-type']).toMatch(/^application\/json/);
    expect(headers.body).toMatchObject({ statusCode: 431, errors: [{ field: 'headers' }] });
    // Not HTTP at all: a 400 JSON answer on the raw socket, and the app serves on.
    const url = new URL(t.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () =>
        socket.write('NOT HTTP\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      statusCode: 400,
      errors: [{ field: 'request' }],
    });
    await t.http.get('/health/live').expect(200);
  });

  it('answers 404 JSON for an unknown route, not an HTML page', async () => {
    const response = await t.http.get('/v1/nothing-here').set(bearer(token)).expect(404);
    expect(response.body.statusCode).toBe(404);
  });
});

describe('bodies and query strings that once reached the database or the stack', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp();
    token = tenantToken((await createTenant(t.http)).id);
  });
  afterAll(() => t.close());

  it('answers 400 naming search for a NUL byte in it', async () => {
    const response = await t.http.get('/admin/tenants?search=a%00b').set(adminAuth).expect(400);
    expect(response.body.errors[0].field).toBe('search');
  });

  it('answers 400 naming body for JSON nested thousands of levels deep, on every body route', async () => {
    const deep = `{"name":${'['.repeat(3000)}${']'.repeat(3000)}}`;
    for (const [method, path, auth] of [
      ['post', '/admin/tenants', adminAuth],
      ['patch', '/v1/settings', bearer(token)],
    ] as const) {
      const response = await t.http[method](path)
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(deep);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.body.errors).toEqual([
        { field: 'body', message: 'body nests deeper than 32 levels' },
      ]);
    }
  });

  it('accepts brackets inside strings without counting them as nesting', async () => {
    const response = await t.http
      .patch('/v1/settings')
      .set(bearer(token))
      .set('Content-Type', 'application/json')
      .send(`{"locale":"en","date_format":"${'['.repeat(40)}"}`);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(['date_format']);
  });

  it('answers 415 to a body that is not JSON, and changes nothing', async () => {
    const response = await t.http
      .patch('/v1/settings')
      .set(bearer(token))
      .set('Content-Type', 'text/plain')
      .send('{"timezone":"Asia/Tokyo"}')
      .expect(415);
    expect(response.body.message).toBe('body must be application/json');
    const settings = await t.http.get('/v1/settings').set(bearer(token)).expect(200);
    expect(settings.body.timezone).toBe('UTC');
  });

  it('answers 400 naming body to a gzip body that does not decompress', async () => {
    const response = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('definitely not gzip')
      .expect(400);
    expect(response.body.errors[0].field).toBe('body');
  });

  it('gives body-parser refusals a request id like every other answer', async () => {
    const response = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .set('X-Request-ID', 'bad-body-1')
      .set('Content-Type', 'application/json')
      .send('{"name":')
      .expect(400);
    expect(response.headers['x-request-id']).toBe('bad-body-1');
    expect(response.body.requestId).toBe('bad-body-1');
  });
});
