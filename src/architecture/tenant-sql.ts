import type { MigrationInterface, QueryRunner } from 'typeorm';
import exceptions from './data-access-exceptions.json';
import type { SourceFile } from './source-files';

/**
 * Files besides repositories and stores that may reach the database themselves, each with the
 * reason (shared with eslint.config.mjs, which reads the same JSON).
 */
export const DATA_ACCESS_EXCEPTIONS: Readonly<Record<string, string>> = exceptions;

/** Repositories (one per group of tables) and the event stores own every query. */
export function isDataAccessLayer(path: string, allowed = DATA_ACCESS_EXCEPTIONS): boolean {
  return path.endsWith('.repository.ts') || path.endsWith('.store.ts') || path in allowed;
}

/** `.getRepository(`, `.createQueryBuilder(`, `.query(` (also with type arguments). */
const DATA_ACCESS_CALL = /\.\s*(getRepository|createQueryBuilder|query)\s*[<(]/g;

/** The EntityManager's own reads and writes: `manager.findOneBy(`, `manager.save(`, … */
const MANAGER_CALL =
  /\bmanager\s*\.\s*(find\w*|save|insert|update|upsert|delete|softDelete|restore|remove|count\w*|increment|decrement|exists\w*|sum|average|minimum|maximum|clear|transaction)\s*[<(]/g;

/** A table named after an SQL keyword (upper case, as this code base writes SQL). */
const SQL_TABLE =
  /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|TRUNCATE)\s+(?:ONLY\s+)?(?:public\.)?"?([a-z_][a-z0-9_]*)"?/g;

/** Whole-line comments may describe SQL; they are blanked so line numbers stay right. */
function codeLines(text: string): string[] {
  return text.split('\n').map((line) => (/^\s*(\/\/|\/\*|\*)/.test(line) ? '' : line));
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/**
 * Where `files` reach the database outside the data-access layer: a data-access call, or SQL
 * text naming a tenant table. One line per finding, `path:line: what`.
 */
export function tenantSqlOutsideRepositories(
  files: readonly SourceFile[],
  tenantTables: readonly string[],
  allowed = DATA_ACCESS_EXCEPTIONS,
): string[] {
  const tenant = new Set(tenantTables);
  const problems: string[] = [];
  for (const file of files) {
    if (isDataAccessLayer(file.path, allowed)) continue;
    const code = codeLines(file.text).join('\n');
    const report = (index: number, what: string) =>
      problems.push(`${file.path}:${lineOf(code, index)}: ${what} outside a repository`);
    for (const match of code.matchAll(DATA_ACCESS_CALL)) report(match.index, `.${match[1]}()`);
    for (const match of code.matchAll(MANAGER_CALL)) report(match.index, `manager.${match[1]}()`);
    for (const match of code.matchAll(SQL_TABLE)) {
      if (tenant.has(match[1])) report(match.index, `SQL on tenant table ${match[1]}`);
    }
  }
  return problems.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** `CREATE TABLE name (` … as a migration sends it, and a tenant_id column in its list. */
const CREATE_TABLE = /CREATE TABLE\s+(?:IF NOT EXISTS\s+)?(?:public\.)?"?([a-z_][a-z0-9_]*)"?\s*\(/;
const TENANT_ID_COLUMN = /[(,]\s*tenant_id\s+uuid\b/;

/**
 * The tenant tables (those created with a tenant_id column), read from what the migrations
 * send: each `up` runs against a runner that only records its SQL, so table names built in
 * loops come out resolved, and a table added by a later migration is covered without a list.
 */
export async function tenantTablesOf(
  migrations: readonly (new () => MigrationInterface)[],
): Promise<string[]> {
  const statements: string[] = [];
  const recorder = {
    query: (text: string) => {
      statements.push(text);
      return Promise.resolve([]);
    },
  } as unknown as QueryRunner;
  for (const Migration of migrations) await new Migration().up(recorder);
  const tables = statements.flatMap((sql) => {
    const created = CREATE_TABLE.exec(sql);
    return created && TENANT_ID_COLUMN.test(sql.slice(created.index)) ? [created[1]] : [];
  });
  return [...new Set(tables)].sort();
}
