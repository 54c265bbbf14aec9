import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';
import { appSourceFiles, SRC_DIR } from './source-files';
import { DATA_ACCESS_EXCEPTIONS, tenantSqlOutsideRepositories, tenantTablesOf } from './tenant-sql';

describe('tenant SQL lives in repositories', () => {
  let tenantTables: string[];
  beforeAll(async () => {
    tenantTables = await tenantTablesOf(ALL_MIGRATIONS);
  });

  it('no file but a repository, a store or a listed exception queries the database', () => {
    expect(tenantSqlOutsideRepositories(appSourceFiles(), tenantTables)).toEqual([]);
  });

  it('reads the tenant tables from the migrations, loops included, platform tables not', () => {
    expect(tenantTables).toEqual(
      expect.arrayContaining(['users', 'api_keys', 'dashboards', 'event_rollup_daily_all_users']),
    );
    expect(tenantTables).not.toEqual(
      expect.arrayContaining(['tenants', 'platform_admins', 'platform_audit_log']),
    );
  });

  it('keeps every exception needed: the file exists and would fail without it', () => {
    for (const path of Object.keys(DATA_ACCESS_EXCEPTIONS)) {
      expect(existsSync(join(SRC_DIR, path))).toBe(true);
      const file = appSourceFiles().find((source) => source.path === path)!;
      expect([path, tenantSqlOutsideRepositories([file], tenantTables, {}).length]).not.toEqual([
        path,
        0,
      ]);
    }
  });
});

describe('tenantSqlOutsideRepositories', () => {
  const tables = ['users', 'api_keys'];
  const check = (path: string, text: string) =>
    tenantSqlOutsideRepositories([{ path, text }], tables, {});

  it('reports a query in a service, naming the file, the line, the call and the table', () => {
    const text =
      "class S {\n  f() {\n    return this.tenantContext.manager.query('SELECT * FROM users');\n  }\n}";
    const problems = check('auth/users/users.service.ts', text);
    expect(problems).toEqual([
      expect.stringMatching(/^auth\/users\/users\.service\.ts:3: \.query\(\) outside a repository/),
      expect.stringMatching(/^auth\/users\/users\.service\.ts:3: SQL on tenant table users/),
    ]);
  });

  it.each([
    ['getRepository across lines', 'this.tenantContext.manager\n  .getRepository(User)'],
    ['a query builder', "repository.createQueryBuilder('user')"],
    ['a query with type arguments', 'manager.query<{ n: string }[]>(sql)'],
    ['an entity manager write', 'scope.manager.insert(User, row)'],
    ['a manager read', 'this.platform.manager.findOneBy(PlatformAdmin, { id })'],
    ['SQL text alone', "const SQL = 'UPDATE api_keys SET last_used_at = now()';"],
  ])('reports %s', (_name, text) => {
    expect(check('somewhere/some.service.ts', text)).toHaveLength(1);
  });

  it.each([
    ['a repository', 'auth/users/users.repository.ts'],
    ['an event store', 'ingestion/store/postgres-event.store.ts'],
  ])('lets %s query', (_name, path) => {
    expect(check(path, "this.tenantContext.manager.query('SELECT * FROM users')")).toEqual([]);
  });

  it('lets a listed exception query, and only that file', () => {
    const text = "runner.query('SELECT 1')";
    const allowed = { 'database/x.ts': 'why' };
    expect(
      tenantSqlOutsideRepositories([{ path: 'database/x.ts', text }], tables, allowed),
    ).toEqual([]);
    expect(
      tenantSqlOutsideRepositories([{ path: 'database/y.ts', text }], tables, allowed),
    ).toHaveLength(1);
  });

  it.each([
    ['request query strings', 'const q = request.query; parse(request.query, x);'],
    ['platform tables', "const SQL = 'SELECT count(*) FROM tenants';"],
    ['comments', '// SELECT id FROM users\n/** manager.query() on api_keys: FROM api_keys */'],
    ['prose in lower case', "const message = 'removed from users';"],
  ])('ignores %s', (_name, text) => {
    expect(check('somewhere/some.service.ts', text)).toEqual([]);
  });
});

describe('tenantTablesOf', () => {
  it('finds tables with a tenant_id column, wherever it sits and however the name is built', async () => {
    class Fake implements MigrationInterface {
      async up(runner: QueryRunner): Promise<void> {
        await runner.query('CREATE TABLE plain (id uuid PRIMARY KEY, name text)');
        await runner.query('CREATE TABLE owned (\n  id uuid,\n  tenant_id uuid NOT NULL\n)');
        for (const table of ['built_a', 'built_b']) {
          await runner.query(`CREATE TABLE ${table} (tenant_id uuid NOT NULL, day date)`);
        }
        await runner.query('CREATE FUNCTION f() RETURNS TABLE (tenant_id uuid) AS $$ $$');
      }
      async down(): Promise<void> {}
    }
    expect(await tenantTablesOf([Fake])).toEqual(['built_a', 'built_b', 'owned']);
  });
});
