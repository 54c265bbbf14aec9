import type { Client } from 'pg';
import { databasesUnderTest } from '../support/placements';
import { connectAs, type TestDatabase } from '../support/sql';

/**
 * The schema itself, read from the catalogue: every table with a tenant_id column is isolated
 * by RLS, and the app role has no way around it. A new table that forgets any of this fails here.
 */
const TENANT_PREDICATE =
  "(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS \"nullif\"))";

const PLATFORM_READ_PREDICATE =
  "(current_setting('tenantry.platform_read'::text, true) = 'on'::text)";

// Issue 18: every placement database carries the same schema, so the same checks hold on each.
describe.each(databasesUnderTest())('RLS catalogue (%s database)', (database: TestDatabase) => {
  let owner: Client;
  beforeAll(async () => {
    owner = await connectAs('owner', database);
    // Event partitions are made at run time: make some, so the checks below cover them too.
    await owner.query('SELECT ensure_event_partitions(current_date - 40, current_date + 40)');
  });
  afterAll(() => owner.end());

  async function tenantTables() {
    const { rows } = await owner.query<{
      table: string;
      rls: boolean;
      forced: boolean;
      nullable: boolean;
      pk_first: string | null;
    }>(`
      SELECT c.relname AS table, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
             NOT a.attnotnull AS nullable,
             (SELECT pa.attname FROM pg_index i
                JOIN pg_attribute pa ON pa.attrelid = i.indrelid AND pa.attnum = i.indkey[0]
               WHERE i.indrelid = c.oid AND i.indisprimary) AS pk_first
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
       ORDER BY c.relname`);
    return rows;
  }

  it('finds the tenant-owned tables (so the checks below check something)', async () => {
    const tables = (await tenantTables()).map((t) => t.table);
    expect(tables).toContain('tenant_settings');
    expect(tables).toContain('events');
    expect(tables).toContain('dashboards');
    expect(tables).toContain('tenant_branding');
    expect(
      tables.filter((table) => /^events_\d{4}_\d{2}$/.test(table)).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('has RLS enabled and forced on every tenant table, tenant_id NOT NULL and leading the key', async () => {
    for (const table of await tenantTables()) {
      expect({ table: table.table, rls: table.rls, forced: table.forced }).toEqual({
        table: table.table,
        rls: true,
        forced: true,
      });
      expect({ table: table.table, nullable: table.nullable }).toEqual({
        table: table.table,
        nullable: false,
      });
      expect({ table: table.table, pk_first: table.pk_first }).toEqual({
        table: table.table,
        pk_first: 'tenant_id',
      });
    }
  });

  it('gives every tenant table a policy with USING and WITH CHECK on app.tenant_id', async () => {
    const policies = await policiesOf();
    for (const { table } of await tenantTables()) {
      const own = policies.filter(
        (p) => p.tablename === table && p.policyname === 'tenant_isolation',
      );
      expect({ table, policies: own.length }).toEqual({ table, policies: 1 });
      const [policy] = own;
      expect(policy.cmd).toBe('ALL');
      expect(policy.permissive).toBe('PERMISSIVE');
      expect(policy.roles).toEqual(['public']);
      // Exactly the one predicate (as PostgreSQL stores it): nothing OR-ed in, the bare column
      // compared so its index stays usable, the setting read once per statement.
      expect({ table, qual: policy.qual, with_check: policy.with_check }).toEqual({
        table,
        qual: TENANT_PREDICATE,
        with_check: TENANT_PREDICATE,
      });
    }
  });

  it('has no other policy than platform_read: SELECT only, for the owner role only, behind its switch', async () => {
    const ownerRole = process.env.DATABASE_OWNER_USER;
    const others = (await policiesOf()).filter((p) => p.policyname !== 'tenant_isolation');
    expect(others.map((p) => p.tablename).sort()).toEqual([
      'api_keys',
      'audit_log',
      'custom_domains',
      'dashboards',
      'data_exports',
      'erasure_requests',
      'event_rollup_days',
      'invoices',
      'query_costs',
      'usage_daily',
      'users',
    ]);
    for (const policy of others) {
      expect(policy).toMatchObject({
        policyname: 'platform_read',
        cmd: 'SELECT',
        permissive: 'PERMISSIVE',
        roles: [ownerRole],
        qual: PLATFORM_READ_PREDICATE,
        with_check: null,
      });
    }
  });

  it('binds the owner role too: it reads a tenant row only with that tenant set, or with the switch on', async () => {
    await owner.query('BEGIN');
    try {
      const { rows } = await owner.query<{ id: string }>(
        "INSERT INTO tenants (name, slug) VALUES ('Owner probe', $1) RETURNING id",
        [`owner-probe-${Date.now()}`],
      );
      const tenantId = rows[0].id;
      await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      await owner.query(
        "INSERT INTO audit_log (tenant_id, actor_type, action, resource_type) VALUES ($1, 'anonymous', 'probe', 'probe')",
        [tenantId],
      );
      const count = async () =>
        (
          await owner.query<{ n: string }>(
            'SELECT count(*) AS n FROM audit_log WHERE tenant_id = $1',
            [tenantId],
          )
        ).rows[0].n;
      expect(await count()).toBe('1');
      await owner.query("SELECT set_config('app.tenant_id', '', true)");
      expect(await count()).toBe('0');
      await owner.query("SELECT set_config('tenantry.platform_read', 'on', true)");
      expect(await count()).toBe('1');
    } finally {
      await owner.query('ROLLBACK');
    }
  });

  it('pins every SECURITY DEFINER function to search_path pg_catalog, pg_temp and schema-qualified tables', async () => {
    const { rows } = await owner.query<{ name: string; config: string[] | null; source: string }>(
      `SELECT p.proname AS name, p.proconfig AS config, p.prosrc AS source
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef`,
    );
    expect(rows.map((r) => r.name).sort()).toEqual([
      'custom_domain_tenant',
      'drop_expired_event_partitions',
      'ensure_event_partitions',
      'move_tenant_rows_cursor',
      'move_tenant_rows_in',
      'platform_accepted_on_day',
      'platform_audit_entries',
      'platform_custom_domains_due',
      'platform_invoices',
      'platform_query_costs',
      'platform_queued_exports',
      'platform_quota_warnings',
      'platform_silent_tenants',
      'platform_stale_rollup_days',
      'platform_unfinished_erasures',
      'purge_moved_tenant_rows',
      'purge_tenant_rows',
      'record_cross_tenant_attempt',
      'tenant_rows_checksum',
    ]);
    for (const { name, config, source } of rows) {
      expect({ name, config }).toEqual({ name, config: ['search_path=pg_catalog, pg_temp'] });
      const ctes = [...source.matchAll(/\bWITH\s+(\w+)\s+AS\b/gi)].map((m) => m[1]);
      const unqualified = [
        ...source.matchAll(/\b(?:FROM|JOIN|INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_][\w.]*)/gi),
      ]
        .map((m) => m[1])
        .filter(
          // The system catalogues, read by name (pg_catalog.pg_class), are as pinned as public.
          (table) =>
            !table.startsWith('public.') &&
            !table.startsWith('pg_catalog.') &&
            !ctes.includes(table),
        );
      expect({ name, unqualified }).toEqual({ name, unqualified: [] });
    }
  });

  async function policiesOf() {
    const { rows } = await owner.query<{
      tablename: string;
      policyname: string;
      roles: string[];
      qual: string | null;
      with_check: string | null;
      cmd: string;
      permissive: string;
    }>(
      `SELECT tablename, policyname, roles::text[] AS roles, qual, with_check, cmd, permissive
         FROM pg_policies WHERE schemaname = 'public'`,
    );
    return rows;
  }

  it('runs the app as a role that is not superuser, not BYPASSRLS, owns nothing, and cannot become a role that could', async () => {
    const role = process.env.DATABASE_APP_USER;
    const { rows } = await owner.query<{
      rolsuper: boolean;
      rolbypassrls: boolean;
      owned: string;
      privileged: string;
    }>(
      `SELECT r.rolsuper, r.rolbypassrls,
              (SELECT count(*) FROM pg_class c WHERE pg_has_role(r.oid, c.relowner, 'MEMBER')) AS owned,
              (SELECT count(*) FROM pg_roles p
                WHERE p.oid <> r.oid AND (p.rolsuper OR p.rolbypassrls OR p.rolname = current_user)
                  AND pg_has_role(r.oid, p.oid, 'MEMBER')) AS privileged
         FROM pg_roles r WHERE r.rolname = $1`,
      [role],
    );
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: '0', privileged: '0' }]);
  });
});
