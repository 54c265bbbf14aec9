import { createPlatformAdmin } from '../support/platform-admin';
import { connectAs } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';
import { TEST_PLATFORM_ADMIN_EMAIL, TEST_PLATFORM_ADMIN_PASSWORD } from '../support/stack-env';

describe('platform admin accounts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const adminLogin = (email: string, password: string) =>
    t.http.post('/auth/admin/login').send({ email, password });

  it('creates the first admin from the environment; its token opens /admin routes', async () => {
    const login = await adminLogin(
      TEST_PLATFORM_ADMIN_EMAIL.toUpperCase(),
      TEST_PLATFORM_ADMIN_PASSWORD,
    ).expect(200);
    expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const claims = JSON.parse(
      Buffer.from(login.body.access_token.split('.')[1], 'base64url').toString(),
    );
    expect(claims).toMatchObject({ aud: 'tenantry-admin', iss: 'tenantry', scope: 'platform' });
    await t.http.get('/admin/statistics').set(bearer(login.body.access_token)).expect(200);
    const tenant = await createTenant(t.http);
    const settings = await t.http
      .get('/v1/settings')
      .set({ ...bearer(login.body.access_token), 'X-Tenant-ID': tenant.id })
      .expect(200);
    expect(settings.body.tenant_id).toBe(tenant.id);
    await t.http.get('/v1/settings').set(bearer(login.body.access_token)).expect(400);
  });

  it('answers every failure with the same 401', async () => {
    const tenant = await createTenant(t.http);
    for (const [email, password] of [
      [TEST_PLATFORM_ADMIN_EMAIL, 'wrong password'],
      ['nobody@tenantry.test', TEST_PLATFORM_ADMIN_PASSWORD],
      [`owner@${tenant.slug}.example`, 'whatever it is'],
    ]) {
      const response = await adminLogin(email, password).expect(401);
      expect(response.body.message).toBe('Invalid credentials');
    }
  });

  it('keeps tenant tokens off /admin routes', async () => {
    const tenant = await createTenant(t.http);
    await t.http
      .get('/admin/tenants')
      .set(bearer(tenantToken(tenant.id)))
      .expect(403);
  });

  it("refuses a disabled admin's unexpired token, and its next login", async () => {
    const email = `second-${Date.now()}@tenantry.test`;
    const id = await createPlatformAdmin(email, 'second admin passphrase');
    const login = await adminLogin(email, 'second admin passphrase').expect(200);
    await t.http.get('/admin/statistics').set(bearer(login.body.access_token)).expect(200);
    const owner = await connectAs('owner');
    try {
      await owner.query("UPDATE platform_admins SET status = 'disabled' WHERE id = $1", [id]);
    } finally {
      await owner.end();
    }
    await t.http.get('/admin/statistics').set(bearer(login.body.access_token)).expect(401);
    await adminLogin(email, 'second admin passphrase').expect(401);
  });

  it('locks an admin for 15 minutes after five wrong passwords', async () => {
    const email = `locked-${Date.now()}@tenantry.test`;
    await createPlatformAdmin(email, 'locked admin passphrase');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await adminLogin(email, 'not the passphrase').expect(401);
    }
    const refused = await adminLogin(email, 'locked admin passphrase').expect(401);
    expect(refused.body.message).toBe('Invalid credentials');
  });

  it('checks at most five passwords however many guesses arrive at once', async () => {
    const email = `race-${Date.now()}@tenantry.test`;
    await createPlatformAdmin(email, 'raced admin passphrase');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => adminLogin(email, `guess number ${i}`).expect(401)),
    );
    await adminLogin(email, 'raced admin passphrase').expect(401);
    const audit = await t.http
      .get('/admin/audit-log')
      .query({ action: 'admin_login.failed', limit: '100' })
      .set(adminAuth)
      .expect(200);
    const reasons = (audit.body.data as { details: { email: string; reason: string } }[])
      .filter((entry) => entry.details.email === email)
      .map((entry) => entry.details.reason);
    expect(reasons).toHaveLength(21);
    expect(reasons.filter((reason) => reason === 'wrong_password').length).toBeLessThanOrEqual(5);
  });
});
