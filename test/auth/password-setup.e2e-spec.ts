import type { Client } from 'pg';
import { PasswordHasher } from '../../src/auth/password.hasher';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { adminAuth, createTenant, createTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'the owner chose this one';

describe('owner created with the tenant, and one-time password-set tokens', () => {
  let t: TestApp;
  let sql: Client;
  beforeAll(async () => {
    t = await createTestApp();
    sql = await connectAs('app');
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  it('lets the new owner set a password once, then log in', async () => {
    const tenant = await createTenant(t.http);
    const email = `owner@${tenant.slug}.example`;
    await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email, password: PASSWORD })
      .expect(401);

    await t.http
      .post('/auth/password')
      .send({ token: tenant.passwordSetToken, password: PASSWORD })
      .expect(204);
    const login = await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email, password: PASSWORD })
      .expect(200);
    const me = await t.http
      .get('/auth/me')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(me.body).toMatchObject({ role: 'owner', user: { id: tenant.ownerId, email } });

    const again = await t.http
      .post('/auth/password')
      .send({ token: tenant.passwordSetToken, password: 'somebody else took it' })
      .expect(400);
    expect(again.body.errors).toEqual([
      { field: 'token', message: 'token is invalid, used or expired' },
    ]);
    await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email, password: PASSWORD })
      .expect(200);
  });

  it('refuses malformed tokens and short passwords with 400 naming the field', async () => {
    const tenant = await createTenant(t.http);
    for (const token of [
      'garbage',
      `pst_${'0'.repeat(32)}_${'a'.repeat(43)}`,
      `pst_${tenant.id.replace(/-/g, '')}_${'a'.repeat(43)}`,
    ]) {
      const response = await t.http
        .post('/auth/password')
        .send({ token, password: PASSWORD })
        .expect(400);
      expect(response.body.errors[0].field).toBe('token');
    }
    const short = await t.http
      .post('/auth/password')
      .send({ token: tenant.passwordSetToken, password: 'short' })
      .expect(400);
    expect(short.body.errors[0].field).toBe('password');
  });

  it('does the same argon2 work whether or not the token names a tenant or a token exists', async () => {
    const tenant = await createTenant(t.http);
    const hasher = t.app.get(PasswordHasher);
    const hash = jest.spyOn(hasher, 'hash');
    try {
      const attempts: [string, string, number][] = [
        ['malformed token', 'garbage', 400],
        ['no such tenant', `pst_${'0'.repeat(32)}_${'a'.repeat(43)}`, 400],
        ['tenant, no such token', `pst_${tenant.id.replace(/-/g, '')}_${'a'.repeat(43)}`, 400],
        ['a real token', tenant.passwordSetToken, 204],
      ];
      const work: Record<string, number> = {};
      for (const [name, token, status] of attempts) {
        hash.mockClear();
        await t.http.post('/auth/password').send({ token, password: PASSWORD }).expect(status);
        work[name] = hash.mock.calls.length;
      }
      // One real argon2id hash on every path: the answer's timing says nothing about the tenant.
      expect(work).toEqual({
        'malformed token': 1,
        'no such tenant': 1,
        'tenant, no such token': 1,
        'a real token': 1,
      });
    } finally {
      hash.mockRestore();
    }
  });

  it('provisions tenant, settings and owner together: a refused owner email leaves no tenant', async () => {
    const response = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({ name: 'No owner', slug: 'no-owner-x', owner_email: 'not-an-email' })
      .expect(400);
    expect(response.body.errors[0].field).toBe('owner_email');
    const list = await t.http
      .get('/admin/tenants')
      .query({ search: 'No owner' })
      .set(adminAuth)
      .expect(200);
    expect(list.body.total).toBe(0);
  });

  it('at the SQL level, tenant A can neither read nor write tenant B password-set tokens', async () => {
    const a = await createTenant(t.http);
    const b = await createTenant(t.http);
    await asTenant(sql, a.id, async () => {
      const { rows } = await sql.query('SELECT DISTINCT tenant_id FROM password_set_tokens');
      expect(rows).toEqual([{ tenant_id: a.id }]);
      const spent = await sql.query(
        'UPDATE password_set_tokens SET used_at = now() WHERE tenant_id = $1',
        [b.id],
      );
      expect(spent.rowCount).toBe(0);
      expect(
        await sqlState(
          sql,
          "INSERT INTO password_set_tokens (tenant_id, user_id, token_hash, expires_at) VALUES ($1, $2, repeat('0', 64), now() + interval '1 day')",
          [b.id, b.ownerId],
        ),
      ).toBe('42501');
    });
  });
});
