import { randomUUID } from 'node:crypto';
import { createTenantryClient, type TenantryClient } from '../../src/api-client';
import { eventually, ingestionEnv } from '../support/ingestion';
import { createTestApp, TestApp } from '../support/test-app';
import { TEST_PLATFORM_ADMIN_EMAIL, TEST_PLATFORM_ADMIN_PASSWORD } from '../support/stack-env';

/**
 * The README walkthrough's first steps, through the client generated from the OpenAPI document
 * (openapi-typescript types, openapi-fetch): admin login, create a tenant, set the owner's
 * password and log in, create an API key, send an event with it, read the summary. Every path,
 * body and answer field below is checked by the compiler against docs/openapi.json, so a
 * renamed field breaks `tsc` as well as this test.
 */
describe('typed client (generated from the OpenAPI document)', () => {
  let t: TestApp;
  let api: TenantryClient;
  beforeAll(async () => {
    // With Kafka, events reach the store through the consumer: this app runs one on a topic of its own.
    t = await createTestApp({ env: process.env.KAFKA_BROKERS ? ingestionEnv('typed-client') : {} });
    api = createTenantryClient(t.url.replace('[::1]', '127.0.0.1'));
  });
  afterAll(() => t.close());

  it('drives the walkthrough: admin login, tenant, owner login, API key, an event, the summary', async () => {
    const admin = await api.POST('/auth/admin/login', {
      body: { email: TEST_PLATFORM_ADMIN_EMAIL, password: TEST_PLATFORM_ADMIN_PASSWORD },
    });
    expect(admin.response.status).toBe(200);
    const adminHeaders = { Authorization: `Bearer ${admin.data!.access_token}` };

    const slug = `typed-${Date.now().toString(36)}`;
    const tenant = await api.POST('/admin/tenants', {
      headers: adminHeaders,
      body: {
        name: 'Umbrella Corp',
        slug,
        owner_email: 'founder@umbrella.example',
        tier: 'growth',
      },
    });
    expect(tenant.response.status).toBe(201);
    expect(tenant.data).toMatchObject({ slug, tier: 'growth', status: 'active' });

    const password = 'umbrella founder passphrase';
    const set = await api.POST('/auth/password', {
      body: { token: tenant.data!.password_set_token, password },
    });
    expect(set.response.status).toBe(204);

    const login = await api.POST('/auth/login', {
      body: { tenant: slug, email: 'Founder@Umbrella.example', password },
    });
    expect(login.response.status).toBe(200);
    expect(login.data!.token_type).toBe('Bearer');
    const owner = { Authorization: `Bearer ${login.data!.access_token}` };

    const me = await api.GET('/auth/me', { headers: owner });
    expect(me.data).toMatchObject({
      tenant: { id: tenant.data!.id, slug },
      credential: 'tenant',
      role: 'owner',
      user: { email: 'founder@umbrella.example', role: 'owner' },
    });

    const key = await api.POST('/v1/api-keys', {
      headers: owner,
      body: { name: 'web ingest', scopes: ['events:write'] },
    });
    expect(key.response.status).toBe(201);
    expect(key.data!.scopes).toEqual(['events:write']);

    const sent = await api.POST('/v1/events', {
      headers: { 'X-API-Key': key.data!.key },
      body: {
        event_id: randomUUID(),
        event_type: 'page_view',
        timestamp: new Date().toISOString(),
        user_id: 'u-1',
        session_id: 's-1',
        properties: { page_url: '/pricing', country: 'DE' },
      },
    });
    expect(sent.response.status).toBe(202);
    expect(sent.data).toEqual({ accepted: 1, rejected: [] });

    const readSummary = () =>
      api.GET('/v1/analytics/summary', {
        headers: owner,
        params: { query: { event_type: 'page_view' } },
      });
    // Accepted means durable; stored (through Kafka and the consumer) follows within moments.
    expect(await eventually(async () => (await readSummary()).data?.metrics.events.value, 1)).toBe(
      1,
    );
    const summary = await readSummary();
    expect(summary.response.status).toBe(200);
    expect(summary.data!.metrics.events.value).toBe(1);
    expect(summary.data!.metrics.users.value).toBe(1);

    // A refusal comes back typed as the documented error body, naming the field.
    const refused = await api.POST('/v1/api-keys', {
      headers: owner,
      body: { name: '', scopes: ['events:write'] },
    });
    expect(refused.response.status).toBe(400);
    // (The error union also holds the 429's RateLimitedResponse, which names no fields.)
    const error = refused.error && 'errors' in refused.error ? refused.error : undefined;
    expect(error?.errors?.map((field) => field.field)).toEqual(['name']);
  });
});
