import type { Client } from 'pg';
import { connectAs } from '../support/sql';

/**
 * The schema itself, read from the catalogue: every table with a tenant_id column is isolated
 * by RLS, and the app role has no way around it. A new table that forgets any of this fails here.
 */
const TENANT_PREDICATE =
  "(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS \"nullif\"))";

describe('RLS catalogue', () => {
  let owner: Client;
  beforeAll(async () => {
    owner = await connectAs('owner');
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
    const { rows: policies } = await owner.query<{
      tablename: string;
      qual: string | null;
      with_check: string | null;
      cmd: string;
      permissive: string;
    }>(
      `SELECT tablename, qual, with_check, cmd, permissive FROM pg_policies WHERE schemaname = 'public'`,
    );
    for (const { table } of await tenantTables()) {
      const own = policies.filter((p) => p.tablename === table);
      expect({ table, policies: own.length }).toEqual({ table, policies: 1 });
      const [policy] = own;
      expect(policy.cmd).toBe('ALL');
      expect(policy.permissive).toBe('PERMISSIVE');
      // Exactly the one predicate (as PostgreSQL stores it): nothing OR-ed in, the bare column
      // compared so its index stays usable, the setting read once per statement.
      expect({ table, qual: policy.qual, with_check: policy.with_check }).toEqual({
        table,
        qual: TENANT_PREDICATE,
        with_check: TENANT_PREDICATE,
      });
    }
  });

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
