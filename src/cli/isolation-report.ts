import { Client } from 'pg';
import { readStackEnv } from '../config/stack-env';
import {
  ClickHouseEventStore,
  type ClickHouseUser,
} from '../ingestion/store/clickhouse-event.store';
import { buildIsolationReport } from '../isolation/isolation-report';

/**
 * `npm run isolation-report`: prints the same JSON as GET /admin/isolation-report, for the
 * database and ClickHouse the environment names (DATABASE_*, connecting as the platform role;
 * CLICKHOUSE_URL and its users when set; the local stack's stack.env fills in what the
 * environment does not say). Exits 1 when the report finds a problem, so a pipeline can gate on
 * it.
 */
const env: Record<string, string | undefined> = { ...readStackEnv(), ...process.env };

function required(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is missing (the isolation report needs it)`);
  return value;
}

function clickhouseUser(
  role: 'WRITER' | 'READER' | 'READER_BACKGROUND',
): ClickHouseUser | undefined {
  const username = env[`CLICKHOUSE_${role}_USER`];
  return username ? { username, password: env[`CLICKHOUSE_${role}_PASSWORD`] ?? '' } : undefined;
}

async function main(): Promise<number> {
  const client = new Client({
    host: required('DATABASE_HOST'),
    port: Number(env.DATABASE_PORT ?? 5432),
    database: required('DATABASE_NAME'),
    user: required('DATABASE_PLATFORM_USER'),
    password: required('DATABASE_PLATFORM_PASSWORD'),
    application_name: 'tenantry-isolation-report',
  });
  await client.connect();
  const url = env.CLICKHOUSE_URL?.trim();
  const clickhouse = url
    ? new ClickHouseEventStore(url, env.CLICKHOUSE_DATABASE ?? 'tenantry', {
        writer: clickhouseUser('WRITER'),
        reader: clickhouseUser('READER'),
        background_reader: clickhouseUser('READER_BACKGROUND'),
      })
    : undefined;
  try {
    const report = await buildIsolationReport({
      query: async <T>(text: string, values?: unknown[]) =>
        (await client.query(text, values)).rows as T[],
      roles: { app: required('DATABASE_APP_USER'), platform: required('DATABASE_PLATFORM_USER') },
      clickhouse,
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const problem of report.problems) process.stderr.write(`problem: ${problem}\n`);
    return report.verdict === 'ok' ? 0 : 1;
  } finally {
    await client.end();
    await clickhouse?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
