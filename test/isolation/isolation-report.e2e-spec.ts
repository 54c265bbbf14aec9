import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { Client } from 'pg';
import { connectAs } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

interface TenantTable {
  table: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  policies: { name: string; command: string; using: string | null; with_check: string | null }[];
  problems: string[];
}

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * Issue 11, finding 10: GET /admin/isolation-report and `npm run isolation-report`, read from the
 * live catalogues. A table planted with a tenant_id but without FORCE ROW LEVEL SECURITY must be
 * flagged by both.
 */
describe('isolation report', () => {
  let t: TestApp;
  let owner: Client;
  const planted = `planted_${Date.now().toString(36)}`;

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '' } });
    owner = await connectAs('owner');
  });
  afterAll(async () => {
    await owner.query(`DROP TABLE IF EXISTS ${planted}`);
    await owner.end();
    await t.close();
  });

  it('is for platform admins only', async () => {
    await t.http.get('/admin/isolation-report').expect(401);
    const tenant = await createTenant(t.http);
    await t.http
      .get('/admin/isolation-report')
      .set(bearer(tenantToken(tenant.id)))
      .expect(403);
  });

  it('lists every tenant table with its RLS state and exact policy, the roles, the SECURITY DEFINER functions, ClickHouse and the security suite', async () => {
    const report = (await t.http.get('/admin/isolation-report').set(adminAuth).expect(200)).body;
    expect(report.verdict).toBe('ok');
    expect(report.problems).toEqual([]);
    const settings = report.postgres.tenant_tables.find(
      (x: TenantTable) => x.table === 'public.tenant_settings',
    );
    expect(settings).toMatchObject({ rls_enabled: true, rls_forced: true, problems: [] });
    expect(settings.policies).toEqual([
      expect.objectContaining({
        name: 'tenant_isolation',
        command: 'ALL',
        using: expect.stringContaining("current_setting('app.tenant_id'"),
        with_check: expect.stringContaining("current_setting('app.tenant_id'"),
      }),
    ]);
    const roles = Object.fromEntries(
      report.postgres.roles.map((role: { kind: string }) => [role.kind, role]),
    );
    expect(roles.app).toMatchObject({
      name: process.env.DATABASE_APP_USER,
      superuser: false,
      bypass_rls: false,
      owned_relations: 0,
    });
    expect(roles.platform).toMatchObject({
      name: process.env.DATABASE_PLATFORM_USER,
      superuser: false,
    });
    expect(roles.platform.function_grants).toContain('public.platform_audit_entries');
    expect(roles.app.function_grants).not.toContain('public.platform_audit_entries');
    expect(roles.app.table_grants['public.tenants']).toEqual(['INSERT', 'SELECT']);
    const definers = report.postgres.security_definer_functions;
    expect(definers.map((f: { name: string }) => f.name)).toContain(
      'public.record_cross_tenant_attempt',
    );
    for (const fn of definers) {
      expect(fn).toMatchObject({
        owner: process.env.DATABASE_OWNER_USER,
        search_path: 'pg_catalog, pg_temp',
      });
    }
    expect(report.clickhouse.configured).toBe(true);
    const reader = report.clickhouse.users.find(
      (u: { connection: string }) => u.connection === 'reader',
    );
    expect(reader).toMatchObject({ user: process.env.CLICKHOUSE_READER_USER });
    expect(reader.settings).toMatchObject({ readonly: '1' });
    expect(reader.settings.max_rows_to_read).toBeDefined();
    expect(['never_run', 'passed', 'failed', 'unreadable']).toContain(report.security_suite.status);
  });

  it('flags a tenant table planted without FORCE ROW LEVEL SECURITY, on the route and in the CLI', async () => {
    await owner.query(`CREATE TABLE ${planted} (tenant_id uuid NOT NULL, note text)`);
    await owner.query(`ALTER TABLE ${planted} ENABLE ROW LEVEL SECURITY`);
    await owner.query(
      `CREATE POLICY tenant_isolation ON ${planted}
         USING (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))
         WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::uuid))`,
    );
    const report = (await t.http.get('/admin/isolation-report').set(adminAuth).expect(200)).body;
    expect(report.verdict).toBe('problems');
    const table = report.postgres.tenant_tables.find(
      (x: TenantTable) => x.table === `public.${planted}`,
    );
    expect(table).toMatchObject({ rls_enabled: true, rls_forced: false });
    expect(table.problems).toEqual([expect.stringMatching(/FORCE ROW LEVEL SECURITY/)]);
    expect(report.problems).toEqual([expect.stringContaining(planted)]);

    const cli = await promisify(execFile)(
      'node',
      ['-r', './scripts/swc-register.js', 'src/cli/isolation-report.ts'],
      { cwd: REPO_ROOT, env: process.env, timeout: 60_000 },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(cli.code).toBe(1);
    const printed = JSON.parse(cli.stdout);
    expect(printed.problems).toEqual(report.problems);
    expect(printed.postgres.tenant_tables).toEqual(report.postgres.tenant_tables);
  });
});
