/** Runs one catalogue query: the platform role's pool in the app, a pg Client in the CLI. */
export type CatalogueQuery = <T>(text: string, values?: unknown[]) => Promise<T[]>;

/** The database the report is about. */
export async function currentDatabase(query: CatalogueQuery): Promise<string> {
  const [{ database }] = await query<{ database: string }>('SELECT current_database() AS database');
  return database;
}

/** The one tenant predicate as PostgreSQL stores it (pg_policies), for USING and WITH CHECK. */
export const TENANT_POLICY_PREDICATE =
  "(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS \"nullif\"))";

/** The search_path every SECURITY DEFINER function must pin (migration 1763900000009). */
export const DEFINER_SEARCH_PATH = 'pg_catalog, pg_temp';

export interface PolicyFacts {
  name: string;
  command: string;
  permissive: boolean;
  roles: string[];
  using: string | null;
  with_check: string | null;
}

export interface TenantTableFacts {
  table: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  policies: PolicyFacts[];
  problems: string[];
}

/**
 * Every table that carries a tenant_id column (partitions included), in any schema but the
 * system ones, with its RLS switches and exact policies. From pg_class and pg_policy, never from
 * a list: a table added tomorrow is in tomorrow's report.
 */
export async function tenantTables(query: CatalogueQuery): Promise<TenantTableFacts[]> {
  const tables = await query<{ table: string; rls_enabled: boolean; rls_forced: boolean }>(
    `SELECT n.nspname || '.' || c.relname AS table,
            c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1`,
  );
  const policies = await query<PolicyFacts & { table: string }>(
    `SELECT schemaname || '.' || tablename AS table, policyname AS name, cmd AS command,
            permissive = 'PERMISSIVE' AS permissive, roles::text[] AS roles,
            qual AS using, with_check
       FROM pg_policies ORDER BY 1, 2`,
  );
  return tables.map((table) => {
    const own = policies
      .filter((policy) => policy.table === table.table)
      .map(({ table: _table, ...policy }) => policy);
    return { ...table, policies: own, problems: tableProblems(table, own) };
  });
}

function tableProblems(
  table: { rls_enabled: boolean; rls_forced: boolean },
  policies: PolicyFacts[],
): string[] {
  const problems: string[] = [];
  if (!table.rls_enabled) problems.push('ROW LEVEL SECURITY is not enabled');
  if (!table.rls_forced) problems.push('FORCE ROW LEVEL SECURITY is off: its owner escapes RLS');
  const isolation = policies.filter((policy) => policy.name === 'tenant_isolation');
  if (
    isolation.length !== 1 ||
    isolation[0].command !== 'ALL' ||
    !isolation[0].permissive ||
    isolation[0].using !== TENANT_POLICY_PREDICATE ||
    isolation[0].with_check !== TENANT_POLICY_PREDICATE
  ) {
    problems.push(
      'no tenant_isolation policy with exactly the tenant predicate for USING and WITH CHECK',
    );
  }
  for (const policy of policies) {
    if (policy.name === 'tenant_isolation') continue;
    // Extra policies widen access (permissive ones are OR-ed): only the owner-only read switch.
    if (
      policy.name !== 'platform_read' ||
      policy.command !== 'SELECT' ||
      policy.roles.includes('public')
    ) {
      problems.push(
        `policy ${policy.name} (${policy.command}, ${policy.roles.join(', ')}) widens access`,
      );
    }
  }
  return problems;
}

export interface RoleFacts {
  kind: 'app' | 'platform';
  name: string;
  exists: boolean;
  login: boolean;
  superuser: boolean;
  bypass_rls: boolean;
  inherit: boolean;
  create_role: boolean;
  create_db: boolean;
  member_of: string[];
  owned_relations: number;
  /** Table (or view, sequence) → privileges granted to the role. */
  table_grants: Record<string, string[]>;
  /** Functions the role may EXECUTE by a grant of its own (PUBLIC's are not listed). */
  function_grants: string[];
  problems: string[];
}

/** The app and platform roles: attributes, memberships, what they own and what is granted to them. */
export async function roleFacts(
  query: CatalogueQuery,
  roles: { app: string; platform: string },
): Promise<RoleFacts[]> {
  const facts: RoleFacts[] = [];
  for (const kind of ['app', 'platform'] as const) {
    const name = roles[kind];
    const [row] = await query<
      Omit<RoleFacts, 'kind' | 'name' | 'exists' | 'problems' | 'table_grants' | 'function_grants'>
    >(
      `SELECT r.rolcanlogin AS login, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls,
              r.rolinherit AS inherit, r.rolcreaterole AS create_role, r.rolcreatedb AS create_db,
              ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                     WHERE m.member = r.oid ORDER BY 1) AS member_of,
              (SELECT count(*)::int FROM pg_class c WHERE pg_has_role(r.oid, c.relowner, 'MEMBER')) AS owned_relations
         FROM pg_roles r WHERE r.rolname = $1`,
      [name],
    );
    if (!row) {
      facts.push({
        kind,
        name,
        exists: false,
        login: false,
        superuser: false,
        bypass_rls: false,
        inherit: false,
        create_role: false,
        create_db: false,
        member_of: [],
        owned_relations: 0,
        table_grants: {},
        function_grants: [],
        problems: [`role ${name} does not exist`],
      });
      continue;
    }
    const tableGrants = await query<{ object: string; privileges: string[] }>(
      `SELECT n.nspname || '.' || c.relname AS object,
              array_agg(DISTINCT acl.privilege_type ORDER BY acl.privilege_type) AS privileges
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL aclexplode(c.relacl) acl
         JOIN pg_roles r ON r.oid = acl.grantee
        WHERE r.rolname = $1
        GROUP BY 1 ORDER BY 1`,
      [name],
    );
    const functionGrants = await query<{ name: string }>(
      `SELECT DISTINCT n.nspname || '.' || p.proname AS name
         FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace
         CROSS JOIN LATERAL aclexplode(p.proacl) acl
         JOIN pg_roles r ON r.oid = acl.grantee
        WHERE r.rolname = $1 AND acl.privilege_type = 'EXECUTE'
        ORDER BY 1`,
      [name],
    );
    const problems: string[] = [];
    if (row.superuser) problems.push(`role ${name} is a superuser`);
    if (row.bypass_rls) problems.push(`role ${name} has BYPASSRLS`);
    if (row.owned_relations > 0)
      problems.push(`role ${name} owns ${row.owned_relations} relations`);
    if (row.create_role) problems.push(`role ${name} has CREATEROLE`);
    if (row.member_of.length > 0)
      problems.push(`role ${name} is a member of ${row.member_of.join(', ')}`);
    facts.push({
      kind,
      name,
      exists: true,
      ...row,
      table_grants: Object.fromEntries(tableGrants.map((g) => [g.object, g.privileges])),
      function_grants: functionGrants.map((f) => f.name),
      problems,
    });
  }
  // Tenant traffic must hold nothing of the platform's (issue 11, finding 8): no cross-tenant
  // reader (the platform_* functions, whoever else may call them) and no UPDATE on its tables.
  const app = facts.find((role) => role.kind === 'app');
  if (app?.exists) {
    const readers = app.function_grants.filter((fn) => /\.platform_\w+$/.test(fn));
    if (readers.length > 0) app.problems.push(`role ${app.name} may EXECUTE ${readers.join(', ')}`);
    for (const table of ['public.tenants', 'public.platform_admins']) {
      if (app.table_grants[table]?.includes('UPDATE')) {
        app.problems.push(`role ${app.name} may UPDATE ${table}`);
      }
    }
  }
  return facts;
}

export interface DefinerFunctionFacts {
  name: string;
  arguments: string;
  owner: string;
  search_path: string | null;
  problems: string[];
}

/** Every SECURITY DEFINER function outside the system schemas, with its owner and search_path. */
export async function securityDefinerFunctions(
  query: CatalogueQuery,
): Promise<DefinerFunctionFacts[]> {
  const rows = await query<{
    name: string;
    arguments: string;
    owner: string;
    config: string[] | null;
  }>(
    `SELECT n.nspname || '.' || p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
            pg_get_userbyid(p.proowner) AS owner, p.proconfig AS config
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 1, 2`,
  );
  return rows.map(({ config, ...row }) => {
    const setting = (config ?? []).find((entry) => entry.startsWith('search_path='));
    const searchPath = setting ? setting.slice('search_path='.length) : null;
    const problems =
      searchPath === DEFINER_SEARCH_PATH
        ? []
        : [`search_path is ${searchPath ?? 'not pinned'}, not ${DEFINER_SEARCH_PATH}`];
    return { ...row, search_path: searchPath, problems };
  });
}
