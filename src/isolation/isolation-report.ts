import type { ClickHouseUserDescription } from '../ingestion/store/clickhouse-event.store';
import {
  type CatalogueQuery,
  currentDatabase,
  type DefinerFunctionFacts,
  type RoleFacts,
  roleFacts,
  securityDefinerFunctions,
  type TenantTableFacts,
  tenantTables,
} from './postgres-catalogue';
import { lastSecuritySuiteRun, type SecuritySuiteStatus } from './security-suite-result';

/** What the report reads ClickHouse through: the event store's connections, when configured. */
export interface ClickHouseEvidence {
  version(): Promise<string>;
  describeUsers(): Promise<ClickHouseUserDescription[]>;
}

export interface IsolationReport {
  generated_at: string;
  /** `ok` when no section found a problem. */
  verdict: 'ok' | 'problems';
  /** Every section's problems, each naming what it is about. */
  problems: string[];
  postgres: {
    database: string;
    tenant_tables: TenantTableFacts[];
    roles: RoleFacts[];
    security_definer_functions: DefinerFunctionFacts[];
  };
  clickhouse:
    | { configured: false }
    | {
        configured: true;
        version: string;
        users: (ClickHouseUserDescription & { problems: string[] })[];
      }
    | { configured: true; error: string };
  security_suite: SecuritySuiteStatus;
  /**
   * Issue 18: every other placement database, checked the same way (its tenant tables, roles and
   * SECURITY DEFINER functions); its problems are in `problems` too, prefixed with its name.
   */
  placements: PlacementIsolation[];
}

export interface PlacementIsolation {
  name: string;
  reachable: boolean;
  database: string | null;
  problems: string[];
}

/** One placement database's PostgreSQL section: its facts and their problems, flattened. */
export async function postgresSection(
  query: CatalogueQuery,
  roles: { app: string; platform: string },
): Promise<{ postgres: IsolationReport['postgres']; problems: string[] }> {
  const postgres = {
    database: await currentDatabase(query),
    tenant_tables: await tenantTables(query),
    roles: await roleFacts(query, roles),
    security_definer_functions: await securityDefinerFunctions(query),
  };
  return {
    postgres,
    problems: [
      ...postgres.tenant_tables.flatMap((t) => t.problems.map((p) => `table ${t.table}: ${p}`)),
      ...postgres.roles.flatMap((r) => r.problems.map((p) => `${r.kind} role: ${p}`)),
      ...postgres.security_definer_functions.flatMap((f) =>
        f.problems.map((p) => `function ${f.name}(${f.arguments}): ${p}`),
      ),
    ],
  };
}

/** The limits the reader's profile must set (issue 11, finding 8). */
const READER_LIMITS = ['max_execution_time', 'max_memory_usage', 'max_rows_to_read'];

/**
 * The auditor's evidence of tenant isolation, read from the live catalogues each time: never a
 * hand-kept list. Used by GET /admin/isolation-report and `npm run isolation-report`.
 */
export async function buildIsolationReport(sources: {
  query: CatalogueQuery;
  roles: { app: string; platform: string };
  clickhouse?: ClickHouseEvidence;
  securitySuiteFile?: string;
  /** The other placement databases' sections (PlacementIsolation), already checked. */
  placements?: PlacementIsolation[];
}): Promise<IsolationReport> {
  const { postgres, problems: postgresProblems } = await postgresSection(
    sources.query,
    sources.roles,
  );
  const clickhouse = await clickhouseSection(sources.clickhouse);
  const placements = sources.placements ?? [];
  const problems = [
    ...postgresProblems,
    ...placements.flatMap((placement) =>
      placement.problems.map((p) => `placement ${placement.name}: ${p}`),
    ),
    ...('users' in clickhouse
      ? clickhouse.users.flatMap((u) =>
          u.problems.map((p) => `clickhouse ${u.connection} ${u.user}: ${p}`),
        )
      : 'error' in clickhouse
        ? [`clickhouse: ${clickhouse.error}`]
        : []),
  ];
  return {
    generated_at: new Date().toISOString(),
    verdict: problems.length === 0 ? 'ok' : 'problems',
    problems,
    postgres,
    clickhouse,
    security_suite: await lastSecuritySuiteRun(sources.securitySuiteFile),
    placements,
  };
}

async function clickhouseSection(
  source?: ClickHouseEvidence,
): Promise<IsolationReport['clickhouse']> {
  if (!source) return { configured: false };
  try {
    const [version, users] = await Promise.all([source.version(), source.describeUsers()]);
    return {
      configured: true,
      version,
      users: users.map((user) => ({
        ...user,
        problems: clickhouseUserProblems(
          user,
          users.length,
          users.find((u) => u.connection === 'reader')?.settings.priority,
        ),
      })),
    };
  } catch (error) {
    return { configured: true, error: (error as Error).message };
  }
}

function clickhouseUserProblems(
  user: ClickHouseUserDescription,
  connections: number,
  readerPriority: string | undefined,
): string[] {
  if (user.connection === 'writer') {
    return connections === 1
      ? ['no reader user: analytics reads run as the writer, unbounded']
      : [];
  }
  const problems: string[] = [];
  if (user.settings.readonly !== '1')
    problems.push(`readonly is ${user.settings.readonly ?? '0'}, not 1`);
  for (const limit of READER_LIMITS) {
    if (!(Number(user.settings[limit]) > 0)) problems.push(`${limit} is not set`);
  }
  // The background reader only yields when both priorities are set (0 means none) and its own
  // is the lower one (the larger number).
  if (user.connection === 'background_reader') {
    const own = Number(user.settings.priority ?? 0);
    const reader = Number(readerPriority ?? 0);
    if (!(own > 0 && reader > 0 && own > reader))
      problems.push(`priority ${own} does not yield to the reader's ${reader}`);
  }
  return problems;
}
