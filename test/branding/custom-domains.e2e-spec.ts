import type { Client } from 'pg';
import { CustomDomainRechecksService } from '../../src/branding/domains/rechecks/custom-domain-rechecks.service';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { signGuestToken } from '../embed/embed-support';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { TEST_BASE_DOMAIN, TEST_METRICS_TOKEN } from '../support/stack-env';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

const PASSWORD = 'correct horse battery staple';

/**
 * Custom domains end to end, against a real DNS server the test runs (the app's DNS_RESOLVERS
 * points at it): add, verify through the TXT record, then the Host serves that tenant (login,
 * API, embed, the TLS ask endpoint) and refuses every other tenant's credentials; delete, and
 * the Host is nobody's again. Plus validation, conflicts, plan and role gates, and isolation.
 */
describe('/v1/domains and custom-domain Hosts', () => {
  let t: TestApp;
  let dns: TestDnsServer;
  let sql: Client;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  let aAuth: { Authorization: string };
  let bAuth: { Authorization: string };
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const hostA = `analytics-${run}.customer-a.example`;
  let domainA: { id: string; verification_record: { name: string; value: string } };

  beforeAll(async () => {
    dns = await startDnsServer();
    t = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', DNS_RESOLVERS: dns.address },
    });
    sql = await connectAs('app');
    a = await createTenant(t.http, { tier: 'enterprise' });
    b = await createTenant(t.http, { tier: 'enterprise' });
    aAuth = bearer(tenantToken(a.id));
    bAuth = bearer(tenantToken(b.id));
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
    await dns.close();
  });

  const auditOf = async (tenantId: string, action: string) =>
    (
      await t.http
        .get('/v1/audit-log')
        .query({ action })
        .set({ ...adminAuth, 'X-Tenant-ID': tenantId })
        .expect(200)
    ).body.data as { details: Record<string, unknown>; cross_tenant_attempt?: boolean }[];

  it('adds a domain: 201 with the TXT record to create and the CNAME; pending; audited', async () => {
    const response = await t.http
      .post('/v1/domains')
      .set(aAuth)
      .send({ hostname: hostA.toUpperCase() })
      .expect(201);
    expect(response.body).toMatchObject({
      hostname: hostA,
      status: 'pending',
      verified_at: null,
      last_checked_at: null,
      last_error: null,
      verification_record: { type: 'TXT', name: `_tenantry-challenge.${hostA}` },
      routing_record: { type: 'CNAME', name: hostA, value: `${a.slug}.${TEST_BASE_DOMAIN}` },
    });
    expect(response.body.verification_record.value).toMatch(/^tenantry-verify=[A-Za-z0-9_-]{32}$/);
    domainA = response.body;
    const list = await t.http.get('/v1/domains').set(aAuth).expect(200);
    expect(list.body.map((d: { id: string }) => d.id)).toEqual([domainA.id]);
    const one = await t.http.get(`/v1/domains/${domainA.id}`).set(aAuth).expect(200);
    expect(one.body).toEqual(response.body);
    expect(await auditOf(a.id, 'custom_domain.added')).toHaveLength(1);
  });

  it('fails the check while the TXT record is missing or wrong, then verifies once it is right', async () => {
    const verify = () => t.http.post(`/v1/domains/${domainA.id}/verify`).set(aAuth).expect(200);
    const missing = await verify();
    expect(missing.body).toMatchObject({ status: 'failed', verified_at: null });
    expect(missing.body.last_error).toContain(
      `No TXT record found at _tenantry-challenge.${hostA}`,
    );
    expect(missing.body.last_checked_at).not.toBeNull();
    expect(dns.questions).toContain(`_tenantry-challenge.${hostA}`);

    // Another token's value (say, the name was claimed elsewhere before): refused.
    dns.txt.set(domainA.verification_record.name, [
      'tenantry-verify=someone-elses-token',
      'v=spf1 -all',
    ]);
    const wrong = await verify();
    expect(wrong.body.status).toBe('failed');
    expect(wrong.body.last_error).toContain('does not hold');

    // Still not served while failed.
    await t.http.get('/tls/ask').query({ domain: hostA }).expect(404);

    dns.txt.set(domainA.verification_record.name, [
      'v=spf1 -all',
      domainA.verification_record.value,
    ]);
    const verified = await verify();
    expect(verified.body).toMatchObject({ status: 'verified', last_error: null });
    expect(verified.body.verified_at).not.toBeNull();
    expect((await auditOf(a.id, 'custom_domain.check_failed')).length).toBe(2);
    expect(await auditOf(a.id, 'custom_domain.verified')).toHaveLength(1);
  });

  it('answers a DNS failure or timeout as a failed check saying so, never a 5xx', async () => {
    const other = await t.http
      .post('/v1/domains')
      .set(aAuth)
      .send({ hostname: `flaky-${run}.customer-a.example` })
      .expect(201);
    try {
      dns.mode = 'servfail';
      const servfail = await t.http
        .post(`/v1/domains/${other.body.id}/verify`)
        .set(aAuth)
        .expect(200);
      expect(servfail.body.status).toBe('failed');
      expect(servfail.body.last_error).toContain('SERVFAIL');
      dns.mode = 'silent';
      const silent = await t.http
        .post(`/v1/domains/${other.body.id}/verify`)
        .set(aAuth)
        .expect(200);
      expect(silent.body.status).toBe('failed');
      expect(silent.body.last_error).toContain('timed out');
    } finally {
      dns.mode = 'answer';
      await t.http.delete(`/v1/domains/${other.body.id}`).set(aAuth).expect(204);
    }
  });

  it('validates and normalises hostnames: 400 naming hostname, nothing stored', async () => {
    const before = (await t.http.get('/v1/domains').set(bAuth).expect(200)).body.length;
    for (const hostname of [
      '203.0.113.7',
      '[2001:db8::1]',
      'localhost',
      `${b.slug}.${TEST_BASE_DOMAIN}`,
      TEST_BASE_DOMAIN,
      'https://analytics.customer.example',
      '*.customer.example',
      `${'abcdefghi.'.repeat(26)}com`,
      `${'a'.repeat(64)}.example.com`,
    ]) {
      const response = await t.http.post('/v1/domains').set(bAuth).send({ hostname });
      expect({ hostname, status: response.status }).toEqual({ hostname, status: 400 });
      expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(['hostname']);
    }
    await t.http.post('/v1/domains').set(bAuth).send({}).expect(400);
    await t.http
      .post('/v1/domains')
      .set(bAuth)
      .send({ hostname: 'x'.repeat(300) })
      .expect(400);
    expect((await t.http.get('/v1/domains').set(bAuth).expect(200)).body).toHaveLength(before);

    const unicode = await t.http
      .post('/v1/domains')
      .set(bAuth)
      .send({ hostname: `bücher-${run}.Example.` })
      .expect(201);
    expect(unicode.body.hostname).toMatch(/^xn--bcher-.*\.example$/);
    expect(unicode.body.hostname).toBe(new URL(`http://bücher-${run}.example`).hostname);
    await t.http.delete(`/v1/domains/${unicode.body.id}`).set(bAuth).expect(204);
  });

  it('refuses a name another tenant verified with 409 naming hostname; a pending claim blocks nobody', async () => {
    const taken = await t.http.post('/v1/domains').set(bAuth).send({ hostname: hostA }).expect(409);
    expect(taken.body.errors).toEqual([
      { field: 'hostname', message: expect.stringContaining('another tenant') },
    ]);

    // A's own name twice: 409 too.
    await t.http.post('/v1/domains').set(aAuth).send({ hostname: hostA }).expect(409);

    // A pending claim of A's does not stop B adding the same name (only DNS control decides).
    const pendingName = `pending-${run}.customer-a.example`;
    const pendingA = await t.http
      .post('/v1/domains')
      .set(aAuth)
      .send({ hostname: pendingName })
      .expect(201);
    const pendingB = await t.http
      .post('/v1/domains')
      .set(bAuth)
      .send({ hostname: pendingName })
      .expect(201);
    // B proves control first; A's later proof (with the TXT holding A's value too) is a 409.
    dns.txt.set(`_tenantry-challenge.${pendingName}`, [
      pendingA.body.verification_record.value,
      pendingB.body.verification_record.value,
    ]);
    await t.http.post(`/v1/domains/${pendingB.body.id}/verify`).set(bAuth).expect(200);
    const late = await t.http.post(`/v1/domains/${pendingA.body.id}/verify`).set(aAuth).expect(409);
    expect(late.body.errors[0].field).toBe('hostname');
    await t.http.delete(`/v1/domains/${pendingA.body.id}`).set(aAuth).expect(204);
    await t.http.delete(`/v1/domains/${pendingB.body.id}`).set(bAuth).expect(204);
  });

  it('bounds the domains of one tenant', async () => {
    const c = await createTenant(t.http, { tier: 'enterprise' });
    const cAuth = bearer(tenantToken(c.id));
    for (let i = 0; i < 5; i += 1) {
      await t.http
        .post('/v1/domains')
        .set(cAuth)
        .send({ hostname: `n${i}-${run}.c.example` })
        .expect(201);
    }
    const sixth = await t.http
      .post('/v1/domains')
      .set(cAuth)
      .send({ hostname: `n5-${run}.c.example` })
      .expect(409);
    expect(sixth.body.message).toContain('at most 5');
  });

  it('needs white_label (starter: 403 naming the feature) and an owner or admin', async () => {
    const starter = await createTenant(t.http);
    const refused = await t.http
      .post('/v1/domains')
      .set(bearer(tenantToken(starter.id)))
      .send({ hostname: `s-${run}.example.com` })
      .expect(403);
    expect(refused.body.feature).toBe('white_label');
    await t.http
      .get('/v1/domains')
      .set(bearer(tenantToken(starter.id)))
      .expect(403);
    const analyst = bearer(tenantToken(a.id, { claims: { role: 'analyst' } }));
    const noRole = await t.http.get('/v1/domains').set(analyst).expect(403);
    expect(noRole.body.message).toBe('Missing permission: domains:read');
  });

  it("answers another tenant's domain id with 404, audited in the owner's log", async () => {
    await t.http.get(`/v1/domains/${domainA.id}`).set(bAuth).expect(404);
    await t.http.post(`/v1/domains/${domainA.id}/verify`).set(bAuth).expect(404);
    await t.http.delete(`/v1/domains/${domainA.id}`).set(bAuth).expect(404);
    const attempts = await auditOf(a.id, 'cross_tenant_attempt');
    expect(
      attempts.filter((e) => e.details.caller_tenant_id === b.id).length,
    ).toBeGreaterThanOrEqual(3);
    // Still there, still verified.
    const mine = await t.http.get(`/v1/domains/${domainA.id}`).set(aAuth).expect(200);
    expect(mine.body.status).toBe('verified');
  });

  it('logs in to the domain’s tenant on its Host without naming a tenant, and to no other', async () => {
    const email = `custom-host-${run}@a.example`;
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': a.id })
      .send({ email, role: 'analyst', password: PASSWORD })
      .expect(201);
    const login = await t.http
      .post('/auth/login')
      .set('Host', hostA)
      .send({ email, password: PASSWORD })
      .expect(200);
    const me = await t.http
      .get('/auth/me')
      .set('Host', hostA)
      .set(bearer(login.body.access_token))
      .expect(200);
    expect(me.body.tenant).toMatchObject({ id: a.id, slug: a.slug });

    // Naming another tenant on A's Host: refused like any failed login, audited in A.
    const bEmail = `custom-host-${run}@b.example`;
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': b.id })
      .send({ email: bEmail, role: 'analyst', password: PASSWORD })
      .expect(201);
    await t.http
      .post('/auth/login')
      .set('Host', hostA)
      .send({ tenant: b.slug, email: bEmail, password: PASSWORD })
      .expect(401);
    await t.http
      .post('/auth/login')
      .send({ tenant: b.slug, email: bEmail, password: PASSWORD })
      .expect(200);
    const refusals = await auditOf(a.id, 'custom_domain.foreign_credential_refused');
    expect(
      refusals.some(
        (e) => e.details.surface === 'login' && e.details.credential_tenant_id === b.id,
      ),
    ).toBe(true);
  });

  it("refuses another tenant's token, API key and a platform admin acting for it on the Host; accepts them elsewhere", async () => {
    // A's own credentials work on its Host.
    await t.http.get('/v1/branding').set('Host', hostA).set(aAuth).expect(200);
    const onHost = await t.http.get('/v1/branding').set('Host', hostA).set(bAuth).expect(403);
    expect(onHost.body.message).toContain('custom domain');
    await t.http.get('/v1/branding').set(bAuth).expect(200);

    const key = await t.http
      .post('/v1/api-keys')
      .set(bAuth)
      .send({ name: 'b key', scopes: ['settings:read'] })
      .expect(201);
    const keyAuth = bearer(key.body.key);
    await t.http.get('/v1/branding').set('Host', hostA).set(keyAuth).expect(403);
    await t.http.get('/v1/branding').set(keyAuth).expect(200);

    // A platform admin: acts for A there without a header, never for B.
    await t.http
      .get('/v1/branding')
      .set('Host', hostA)
      .set({ ...adminAuth, 'X-Tenant-ID': b.id })
      .expect(403);
    await t.http.get('/v1/branding').set('Host', hostA).set(adminAuth).expect(200);
    const users = await t.http.get('/v1/users').set('Host', hostA).set(adminAuth).expect(200);
    expect(users.body.data.every((u: { email: string }) => !u.email.endsWith('@b.example'))).toBe(
      true,
    );

    const refusals = await auditOf(a.id, 'custom_domain.foreign_credential_refused');
    const api = refusals.filter((e) => e.details.surface === 'api');
    expect(api.length).toBeGreaterThanOrEqual(3);
    expect(
      api.every((e) => e.details.hostname === hostA && e.details.credential_tenant_id === b.id),
    ).toBe(true);
  });

  it("refuses another tenant's guest token for its embed on the Host", async () => {
    const dashboards = await t.http.get('/v1/dashboards').set(bAuth).expect(200);
    const dashboard = (dashboards.body.data ?? dashboards.body)[0] as {
      id: string;
      widgets: { id: string }[];
    };
    const token = signGuestToken({ tenant_id: b.id, dashboard_id: dashboard.id });
    const widget = `/embed/api/dashboards/${dashboard.id}/widgets/${dashboard.widgets[0].id}`;
    const refused = await t.http.get(widget).set('Host', hostA).set(bearer(token)).expect(403);
    expect(refused.body.reason).toBe('other_host');
    await t.http.get(widget).set(bearer(token)).expect(200);
    const page = await t.http
      .get(`/embed/dashboards/${dashboard.id}`)
      .query({ token })
      .set('Host', hostA)
      .expect(403);
    expect(page.text).toContain('another organisation');
    const refusals = await auditOf(a.id, 'custom_domain.foreign_credential_refused');
    expect(refusals.some((e) => e.details.surface === 'embed')).toBe(true);
  });

  it('audits at most 30 refusals a minute per domain tenant, and refuses every one', async () => {
    for (let i = 0; i < 40; i += 1) {
      await t.http.get('/v1/settings').set('Host', hostA).set(bAuth).expect(403);
    }
    const audited = (
      await t.http
        .get('/v1/audit-log')
        .query({ action: 'custom_domain.foreign_credential_refused', limit: '100' })
        .set({ ...adminAuth, 'X-Tenant-ID': a.id })
        .expect(200)
    ).body.data as unknown[];
    // The whole file runs within a minute: earlier refusals share the window.
    expect(audited.length).toBe(30);
    // Every refusal is counted, audited or not (this file's earlier ones too).
    const metrics = await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200);
    const counted = metrics.text
      .split('\n')
      .find(
        (line) =>
          line.startsWith('tenantry_custom_domain_refusals_total{') &&
          line.includes('surface="api"'),
      );
    expect(Number(counted?.split(' ').pop())).toBeGreaterThanOrEqual(40);
  });

  it('answers the TLS ask: yes for verified domains and tenant subdomains of active tenants', async () => {
    const ask = (domain: string) => t.http.get('/tls/ask').query({ domain });
    expect((await ask(hostA).expect(200)).body).toEqual({ domain: hostA });
    await ask(`${hostA.toUpperCase()}.`).expect(200);
    await ask(`${a.slug}.${TEST_BASE_DOMAIN}`).expect(200);
    await ask(`nobody-${run}.${TEST_BASE_DOMAIN}`).expect(404);
    await ask(`unknown-${run}.example.org`).expect(404);
    await ask('203.0.113.7').expect(404);
    await ask('bad name!').expect(404);
    const missing = await t.http.get('/tls/ask').expect(400);
    expect(missing.body.errors[0].field).toBe('domain');
    await ask('a'.repeat(300)).expect(400);
    // A suspended tenant gets no new certificates.
    const suspended = await createTenant(t.http, { tier: 'enterprise' });
    await t.http
      .patch(`/admin/tenants/${suspended.id}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);
    await ask(`${suspended.slug}.${TEST_BASE_DOMAIN}`).expect(404);
  });

  it('keeps custom_domains to its tenant at the SQL level; the route lookup answers verified names only', async () => {
    await asTenant(sql, b.id, async () => {
      const { rows } = await sql.query('SELECT * FROM custom_domains WHERE tenant_id = $1', [a.id]);
      expect(rows).toEqual([]);
      const updated = await sql.query(
        "UPDATE custom_domains SET status = 'failed', verified_at = NULL WHERE id = $1",
        [domainA.id],
      );
      expect(updated.rowCount).toBe(0);
      const deleted = await sql.query('DELETE FROM custom_domains WHERE id = $1', [domainA.id]);
      expect(deleted.rowCount).toBe(0);
      expect(
        await sqlState(
          sql,
          "INSERT INTO custom_domains (tenant_id, hostname, verification_token) VALUES ($1, 'planted.example.com', 't')",
          [a.id],
        ),
      ).toBe('42501');
      // The one cross-tenant read: an exact name to a tenant id, nothing else.
      const { rows: route } = await sql.query('SELECT public.custom_domain_tenant($1) AS id', [
        hostA,
      ]);
      expect(route).toEqual([{ id: a.id }]);
    });
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM custom_domains');
    expect(rows[0].n).toBe(0);
    const { rows: pending } = await sql.query('SELECT public.custom_domain_tenant($1) AS id', [
      `flaky-${run}.customer-a.example`,
    ]);
    expect(pending).toEqual([{ id: null }]);
    await asTenant(sql, a.id, async () => {
      const { rows: own } = await sql.query('SELECT hostname, status FROM custom_domains');
      expect(own).toContainEqual({ hostname: hostA, status: 'verified' });
    });
  });

  it('re-checks verified domains a day later: a DNS outage keeps one, a vanished record ends it', async () => {
    const name = `recheck-${run}.customer-b.example`;
    const added = await t.http.post('/v1/domains').set(bAuth).send({ hostname: name }).expect(201);
    dns.txt.set(added.body.verification_record.name, [added.body.verification_record.value]);
    await t.http.post(`/v1/domains/${added.body.id}/verify`).set(bAuth).expect(200);
    const rechecks = t.app.get(CustomDomainRechecksService);
    // Committed in the tenant's scope, as the app would (asTenant rolls back).
    const age = async () => {
      await sql.query('BEGIN');
      await sql.query("SELECT set_config('app.tenant_id', $1, true)", [b.id]);
      await sql.query(
        "UPDATE custom_domains SET last_checked_at = now() - interval '25 hours' WHERE id = $1",
        [added.body.id],
      );
      await sql.query('COMMIT');
    };
    // The database is shared with other test files: first let the job check whatever of theirs
    // is due (their files are done), so the counts below are this test's domain alone.
    for (let round = 0; round < 20 && (await rechecks.recheckDue()).checked > 0; round += 1);
    // Checked just now: not due.
    expect((await rechecks.recheckDue()).checked).toBe(0);

    await age();
    dns.mode = 'servfail';
    try {
      expect(await rechecks.recheckDue()).toEqual({ checked: 1, dns_error: 1 });
    } finally {
      dns.mode = 'answer';
    }
    const kept = await t.http.get(`/v1/domains/${added.body.id}`).set(bAuth).expect(200);
    expect(kept.body.status).toBe('verified');
    expect(kept.body.last_error).toContain('SERVFAIL');
    await t.http.get('/tls/ask').query({ domain: name }).expect(200);

    await age();
    dns.txt.delete(added.body.verification_record.name);
    expect(await rechecks.recheckDue()).toEqual({ checked: 1, missing: 1 });
    const ended = await t.http.get(`/v1/domains/${added.body.id}`).set(bAuth).expect(200);
    expect(ended.body).toMatchObject({ status: 'failed', verified_at: null });
    await t.http.get('/tls/ask').query({ domain: name }).expect(404);
    const audit = await auditOf(b.id, 'custom_domain.recheck_failed');
    expect(audit.map((e) => e.details.hostname)).toEqual([name]);
    await t.http.delete(`/v1/domains/${added.body.id}`).set(bAuth).expect(204);
  });

  it('stops serving the Host once the domain is deleted: audited, and the Host is nobody’s again', async () => {
    await t.http.delete(`/v1/domains/${domainA.id}`).set(aAuth).expect(204);
    await t.http.get(`/v1/domains/${domainA.id}`).set(aAuth).expect(404);
    const deletions = await auditOf(a.id, 'custom_domain.deleted');
    expect(
      deletions.some((e) => e.details.hostname === hostA && e.details.status === 'verified'),
    ).toBe(true);
    await t.http.get('/tls/ask').query({ domain: hostA }).expect(404);
    // An unknown Host: today's behaviour, the credential's own tenant.
    await t.http.get('/v1/branding').set('Host', hostA).set(bAuth).expect(200);
    await t.http
      .post('/auth/login')
      .set('Host', hostA)
      .send({ email: `custom-host-${run}@a.example`, password: PASSWORD })
      .expect(401);
    const admin = await t.http.get('/v1/branding').set('Host', hostA).set(adminAuth).expect(400);
    expect(admin.body.errors[0].field).toBe('X-Tenant-ID');
  });
});
