import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';
import { accessTokenSignOptions } from '../../src/auth/credentials.service';
import { TEST_BASE_DOMAIN } from '../support/stack-env';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('credentials', () => {
  let t: TestApp;
  let tenantA: { id: string; slug: string };
  let tenantB: { id: string; slug: string };

  beforeAll(async () => {
    t = await createTestApp();
    tenantA = await createTenant(t.http);
    tenantB = await createTenant(t.http);
  });
  afterAll(() => t.close());

  describe('/admin routes', () => {
    it('answer 401 without a token', async () => {
      const response = await t.http.get('/admin/tenants').expect(401);
      expect(response.body).toMatchObject({
        statusCode: 401,
        message: expect.stringContaining('token'),
      });
    });

    it('answer 403 to a valid tenant token', async () => {
      const response = await t.http
        .get('/admin/tenants')
        .set(bearer(tenantToken(tenantA.id)))
        .expect(403);
      expect(response.body.message).toMatch(/Tenant credentials cannot access/);
      await t.http
        .post('/admin/tenants')
        .set(bearer(tenantToken(tenantA.id)))
        .send({ name: 'x', slug: 'x' })
        .expect(403);
    });

    it('answer 401 to a wrong admin token and to another auth scheme', async () => {
      await t.http.get('/admin/statistics').set(bearer('not-the-admin-token')).expect(401);
      await t.http
        .get('/admin/statistics')
        .set({ Authorization: `Basic ${adminAuth.Authorization.slice(7)}` })
        .expect(401);
    });
  });

  describe('tenant routes', () => {
    it('accept a valid tenant token', async () => {
      const response = await t.http
        .get('/v1/settings')
        .set(bearer(tenantToken(tenantA.id)))
        .expect(200);
      expect(response.body.tenant_id).toBe(tenantA.id);
    });

    it('reject a missing token', async () => {
      await t.http.get('/v1/settings').expect(401);
    });

    it('reject an expired token', async () => {
      const expired = tenantToken(tenantA.id, {
        claims: { exp: Math.floor(Date.now() / 1000) - 60 },
      });
      const response = await t.http.get('/v1/settings').set(bearer(expired)).expect(401);
      expect(response.body.message).toBe('Token has expired');
    });

    it('reject a token signed with another key', async () => {
      const forged = tenantToken(tenantA.id, {
        secret: 'another-secret-that-is-also-long-enough-123',
      });
      const response = await t.http.get('/v1/settings').set(bearer(forged)).expect(401);
      expect(response.body.message).toBe('Invalid token');
    });

    it('reject alg none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'x', tenant_id: tenantA.id, role: 'owner', iss: 'tenantry', aud: 'tenantry-api', iat: now, exp: now + 300 })}.`;
      await t.http.get('/v1/settings').set(bearer(unsigned)).expect(401);
    });

    it('reject another HMAC algorithm than HS256, even with the right secret', async () => {
      const { JwtService } = await import('@nestjs/jwt');
      const hs512 = new JwtService({ secret: process.env.JWT_SECRET }).sign(
        { sub: 'x', tenant_id: tenantA.id, role: 'owner' },
        { ...accessTokenSignOptions(300), algorithm: 'HS512' },
      );
      await t.http.get('/v1/settings').set(bearer(hs512)).expect(401);
    });

    it('reject a token of another issuer or audience, even signed with the right secret', async () => {
      const { JwtService } = await import('@nestjs/jwt');
      const jwt = new JwtService({ secret: process.env.JWT_SECRET });
      const claims = { sub: 'x', tenant_id: tenantA.id, role: 'owner' };
      const embed = jwt.sign(claims, {
        algorithm: 'HS256',
        expiresIn: 300,
        issuer: 'tenantry',
        audience: 'embed',
      });
      const foreign = jwt.sign(claims, {
        algorithm: 'HS256',
        expiresIn: 300,
        issuer: 'elsewhere',
        audience: 'tenantry-api',
      });
      const bare = jwt.sign(claims, { algorithm: 'HS256', expiresIn: 300 });
      for (const token of [embed, foreign, bare]) {
        await t.http.get('/v1/settings').set(bearer(token)).expect(401);
      }
    });

    it('reject a token without tenant_id or without expiry', async () => {
      const { JwtService } = await import('@nestjs/jwt');
      const jwt = new JwtService({ secret: process.env.JWT_SECRET });
      await t.http
        .get('/v1/settings')
        .set(bearer(jwt.sign({ sub: 'x' }, accessTokenSignOptions(300))))
        .expect(401);
      await t.http
        .get('/v1/settings')
        .set(
          bearer(
            jwt.sign({ sub: 'x', tenant_id: tenantA.id, role: 'owner' }, accessTokenSignOptions()),
          ),
        )
        .expect(401);
    });

    it('answer 401 for a tenant that does not exist', async () => {
      const response = await t.http
        .get('/v1/settings')
        .set(bearer(tenantToken('00000000-0000-4000-8000-00000000dead')))
        .expect(401);
      expect(response.body.message).toBe('Unknown tenant');
    });

    it('answer 403 with a clear message for a suspended tenant, and again 200 once reactivated', async () => {
      const tenant = await createTenant(t.http);
      await t.http
        .patch(`/admin/tenants/${tenant.id}`)
        .set(adminAuth)
        .send({ status: 'suspended' })
        .expect(200);
      const response = await t.http
        .get('/v1/settings')
        .set(bearer(tenantToken(tenant.id)))
        .expect(403);
      expect(response.body.message).toMatch(/suspended/);
      await t.http
        .patch(`/admin/tenants/${tenant.id}`)
        .set(adminAuth)
        .send({ status: 'active' })
        .expect(200);
      await t.http
        .get('/v1/settings')
        .set(bearer(tenantToken(tenant.id)))
        .expect(200);
    });

    it('answer 403 for a deleted tenant', async () => {
      const tenant = await createTenant(t.http);
      await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
      const response = await t.http
        .get('/v1/settings')
        .set(bearer(tenantToken(tenant.id)))
        .expect(403);
      expect(response.body.message).toMatch(/deleted/);
    });
  });

  describe('tenant resolution', () => {
    it("refuses a tenant token on another tenant's subdomain", async () => {
      await t.http
        .get('/v1/settings')
        .set({ ...bearer(tenantToken(tenantA.id)), Host: `${tenantB.slug}.${TEST_BASE_DOMAIN}` })
        .expect(403);
    });

    it("accepts a tenant token on its own tenant's subdomain", async () => {
      const response = await t.http
        .get('/v1/settings')
        .set({
          ...bearer(tenantToken(tenantA.id)),
          Host: `${tenantA.slug}.${TEST_BASE_DOMAIN}:8080`,
        })
        .expect(200);
      expect(response.body.tenant_id).toBe(tenantA.id);
    });

    it('refuses a tenant credential naming another tenant in X-Tenant-ID, accepts its own', async () => {
      const response = await t.http
        .get('/v1/settings')
        .set({ ...bearer(tenantToken(tenantA.id)), 'X-Tenant-ID': tenantB.id })
        .expect(403);
      expect(response.body.message).toMatch(/another tenant/);
      const own = await t.http
        .get('/v1/settings')
        .set({ ...bearer(tenantToken(tenantA.id)), 'X-Tenant-ID': tenantA.id })
        .expect(200);
      expect(own.body.tenant_id).toBe(tenantA.id);
    });

    it('answers a platform admin 400 when X-Tenant-ID and the Host name different tenants', async () => {
      const response = await t.http
        .get('/v1/settings')
        .set({
          ...adminAuth,
          'X-Tenant-ID': tenantA.id,
          Host: `${tenantB.slug}.${TEST_BASE_DOMAIN}`,
        })
        .expect(400);
      expect(response.body.errors[0].field).toBe('X-Tenant-ID');
    });

    it('lets a platform admin act on a tenant named by X-Tenant-ID or by subdomain', async () => {
      const byHeader = await t.http
        .get('/v1/settings')
        .set({ ...adminAuth, 'X-Tenant-ID': tenantB.id })
        .expect(200);
      expect(byHeader.body.tenant_id).toBe(tenantB.id);
      const byHost = await t.http
        .get('/v1/settings')
        .set({ ...adminAuth, Host: `${tenantA.slug}.${TEST_BASE_DOMAIN}` })
        .expect(200);
      expect(byHost.body.tenant_id).toBe(tenantA.id);
    });

    it('answers a platform admin 400 for a malformed X-Tenant-ID, 401 for an unknown one, 400 for none', async () => {
      const malformed = await t.http
        .get('/v1/settings')
        .set({ ...adminAuth, 'X-Tenant-ID': 'acme' })
        .expect(400);
      expect(malformed.body.errors).toEqual([
        { field: 'X-Tenant-ID', message: 'X-Tenant-ID must be a UUID' },
      ]);
      await t.http
        .get('/v1/settings')
        .set({ ...adminAuth, 'X-Tenant-ID': '00000000-0000-4000-8000-00000000beef' })
        .expect(401);
      await t.http.get('/v1/settings').set(adminAuth).expect(400);
    });

    it('answers 401 for an unknown subdomain', async () => {
      await t.http
        .get('/v1/settings')
        .set({ ...adminAuth, Host: `no-such-tenant.${TEST_BASE_DOMAIN}` })
        .expect(401);
    });
  });
});
