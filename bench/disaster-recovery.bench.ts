import { createClient } from '@clickhouse/client';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { REPO_ROOT } from '../src/config/stack-env';
import { startIngestionConsumer } from '../src/ingestion/ingestion-consumer';
import { createKey, startApp } from './analytics.bench';

/** The app with its Kafka consumer, as `npm start` runs it. */
async function startConsumingApp(
  env: Record<string, string>,
): Promise<Awaited<ReturnType<typeof startApp>>> {
  const started = await startApp(env);
  if (!(await startIngestionConsumer(started.app))) throw new Error('the consumer did not start');
  return started;
}
import { percentile } from './latency';

/**
 * `npm run bench:dr`: the runbook's RPO and RTO on the analytics bench's data set (10M events
 * over 1,000 tenants, both stores), on a stack folder of its own (.stack/drbench; ports below
 * the ephemeral range, BENCH_DR_* to move them):
 *
 *  1. the data set in place (`npm run bench:analytics -- --seed-only` against that folder);
 *  2. a backup (`scripts/backup.sh create`): time per phase and size;
 *  3. a day of events (--day-events, 330,000: 10M a month) through the HTTP API and Kafka
 *     after the backup, stored, and the WAL archived: what the restore must bring back;
 *  4. the disaster: both servers SIGKILLed, their folders deleted;
 *  5. `scripts/restore.sh --to latest`: time per phase;
 *  6. the app again: the consumer replays the day from the backup's offsets (events/s);
 *  7. `npm run reconcile-restore`;
 *  8. counts compared with the moment before the disaster, per table and per store.
 *
 * RTO = restore + app start + replay + reconciliation. RPO: the events lost (0 while the broker
 * keeps them) and the PostgreSQL WAL not yet archived when the servers died.
 */
const run = promisify(execFile);

interface Options {
  events: number;
  dayEvents: number;
  batch: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { events: 10_000_000, dayEvents: 330_000, batch: 500 };
  for (let i = 0; i < argv.length; i += 1) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--events' && Number.isInteger(value) && value >= 10_000) {
      options.events = value;
      i += 1;
    } else if (argv[i] === '--day-events' && Number.isInteger(value) && value >= 1000) {
      options.dayEvents = value;
      i += 1;
    } else if (argv[i] === '--batch' && Number.isInteger(value) && value >= 1 && value <= 1000) {
      options.batch = value;
      i += 1;
    } else {
      throw new Error(
        `unknown option ${argv[i]}\nnpm run bench:dr -- [--events N (data set, 10000000)] [--day-events N (>= 1000)] [--batch N (1..1000)]`,
      );
    }
  }
  return options;
}

const log = (line: string): void => {
  process.stderr.write(`[bench:dr] ${line}\n`);
};

const STACK_DIR = process.env.BENCH_DR_STACK_DIR ?? join(REPO_ROOT, '.stack', 'drbench');
const PORTS = {
  PG_PORT: process.env.BENCH_DR_PG_PORT ?? '25542',
  CLICKHOUSE_HTTP_PORT: process.env.BENCH_DR_CLICKHOUSE_HTTP_PORT ?? '28233',
  CLICKHOUSE_TCP_PORT: process.env.BENCH_DR_CLICKHOUSE_TCP_PORT ?? '29120',
  CLICKHOUSE_INTERSERVER_PORT: process.env.BENCH_DR_CLICKHOUSE_INTERSERVER_PORT ?? '29119',
};
const DATABASE = 'tenantry_analytics_bench';

/** KEY=value lines of a stack.env. */
function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map(([, key, value]) => [key, value.replace(/^(['"])(.*)\1$/, '$2')]),
  );
}

async function timed<T>(
  phases: Record<string, number>,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const start = Date.now();
  log(`${name} …`);
  try {
    return await work();
  } finally {
    phases[name] = (Date.now() - start) / 1000;
    log(`${name}: ${phases[name].toFixed(1)} s`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const mainStack = readEnvFile(join(REPO_ROOT, '.stack', 'stack.env'));
  if (!mainStack.KAFKA_BROKERS)
    throw new Error('the main stack has no Kafka: bash scripts/stack.sh up');
  const suffix = randomBytes(3).toString('hex');
  const topic = `bench.dr.${suffix}`;
  const group = `bench.dr.${suffix}`;
  // The scripts' environment: the bench folder's servers, the main stack's Kafka.
  const scriptEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    TENANTRY_STACK_DIR: STACK_DIR,
    ...PORTS,
    KAFKA_BROKERS: mainStack.KAFKA_BROKERS,
    ...pick(mainStack, /^KAFKA_(SASL|ADMIN)_/),
    KAFKA_EVENTS_TOPIC: topic,
    KAFKA_CONSUMER_GROUP: group,
    DATABASE_HOST: '127.0.0.1',
    DATABASE_PORT: PORTS.PG_PORT,
    DATABASE_NAME: DATABASE,
    CLICKHOUSE_URL: `http://127.0.0.1:${PORTS.CLICKHOUSE_HTTP_PORT}`,
    CLICKHOUSE_DATABASE: DATABASE,
    BACKUP_CLICKHOUSE_DATABASES: DATABASE,
    JWT_SECRET: randomBytes(32).toString('hex'),
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    PLATFORM_ADMIN_EMAIL: 'bench@tenantry.localhost',
    PLATFORM_ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
  };
  const sh = async (
    file: string,
    args: string[],
    env: Record<string, string> = {},
  ): Promise<string> => {
    const { stdout } = await run(file, args, {
      cwd: REPO_ROOT,
      env: { ...scriptEnv, ...env },
      timeout: 3_600_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  };
  const phases: Record<string, number> = {};

  mkdirSync(STACK_DIR, { recursive: true });
  writeFileSync(
    join(STACK_DIR, 'backup.env'),
    `BACKUP_TARGET=local\nBACKUP_DIR=${join(STACK_DIR, 'backups')}\n`,
  );
  await timed(phases, 'stack up', () =>
    // The stack's own database stays `tenantry` (the seed drops the bench one from it).
    sh('bash', ['scripts/stack.sh', 'up', 'postgres', 'clickhouse'], { DATABASE_NAME: 'tenantry' }),
  );
  await timed(phases, 'data set', () =>
    sh(
      'node',
      [
        'dist/bench/analytics.bench.js',
        '--seed-only',
        '--database',
        DATABASE,
        '--events',
        String(options.events),
        // It drops and creates the bench database from the stack's own one.
      ],
      { DATABASE_NAME: 'tenantry' },
    ),
  );
  // The roles' names and passwords (and Redis) as the folder's stack.env has them.
  Object.assign(
    scriptEnv,
    pick(
      readEnvFile(join(STACK_DIR, 'stack.env')),
      /^(DATABASE_.*_(USER|PASSWORD)|CLICKHOUSE_.*_(USER|PASSWORD)|REDIS_URL)$/,
    ),
  );
  await sh('node', ['-r', './scripts/swc-register.js', 'src/cli/migrate.ts']);

  const pgSuper = async (): Promise<Client> => {
    const client = new Client({
      host: join(STACK_DIR, 'postgres', 'run'),
      port: Number(PORTS.PG_PORT),
      user: 'postgres',
      database: DATABASE,
    });
    await client.connect();
    return client;
  };
  const ch = createClient({
    url: scriptEnv.CLICKHOUSE_URL,
    request_timeout: 300_000,
    clickhouse_settings: {
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: '10000',
    },
  });
  const chCount = async (where = ''): Promise<number> => {
    const result = await ch.query({
      query: `SELECT count() AS n FROM ${DATABASE}.events FINAL ${where}`,
      format: 'JSONEachRow',
    });
    return Number((await result.json<{ n: string }>())[0].n);
  };
  const pgCounts = async (): Promise<Record<string, number>> => {
    const sql = await pgSuper();
    try {
      const counts: Record<string, number> = {};
      for (const table of ['events', 'tenants', 'users', 'api_keys', 'audit_log', 'usage_daily']) {
        counts[table] = Number(
          (await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n,
        );
      }
      return counts;
    } finally {
      await sql.end();
    }
  };

  // The seed's list of tenants has a tenant_id and no row-level security: the restore's
  // isolation gate rightly refuses such a table, so this copy of the data set goes without it
  // (the next run seeds again).
  const seedTables = await pgSuper();
  await seedTables.query('DROP TABLE IF EXISTS bench_seed_tenants');
  await seedTables.end();

  // The ten largest tenants of the data set get the day's events.
  const largest = await ch.query({
    query: `SELECT toString(tenant_id) AS id FROM ${DATABASE}.events GROUP BY tenant_id ORDER BY count() DESC LIMIT 10`,
    format: 'JSONEachRow',
  });
  const tenantIds = (await largest.json<{ id: string }>()).map((row) => row.id);
  if (tenantIds.length === 0) throw new Error('no tenants in the data set');
  const inList = `WHERE tenant_id IN (${tenantIds.map((id) => `'${uuid(id)}'`).join(',')})`;

  const appEnv = { ...scriptEnv, INGESTION_CONSUMER: 'on', KAFKA_EVENTS_PARTITIONS: '6' };
  let { app, url } = await startConsumingApp(appEnv);
  const keys = await Promise.all(tenantIds.map((id) => createKey(app, id, ['events:write'])));

  const backupOut = await timed(phases, 'backup', () =>
    sh('bash', ['scripts/backup.sh', 'create', '--json']),
  );
  const backup = JSON.parse(backupOut.trim().split('\n').at(-1)!) as {
    id: string;
    size_bytes: number;
    duration_seconds: number;
    phases: Record<string, number>;
  };
  const manifest = JSON.parse(
    readFileSync(join(STACK_DIR, 'backups', 'backups', backup.id, 'manifest.json'), 'utf8'),
  ) as { started_at: string; postgres: { cluster_bytes: number } };

  // The day after the backup: accepted over HTTP, through Kafka into the stores.
  const before = await chCount(inList);
  const ingestLatencies: number[] = [];
  let accepted = 0;
  await timed(phases, 'ingest day', async () => {
    const base = Date.now() - 3_600_000;
    const batches = Math.ceil(options.dayEvents / options.batch);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches) {
        const n = next++;
        const events = Array.from({ length: options.batch }, (_, i) => ({
          event_id: crypto.randomUUID(),
          event_type: 'page_view',
          timestamp: new Date(base + ((n * options.batch + i) % 3_600_000)).toISOString(),
          user_id: `dr-user-${(n * 7 + i) % 5000}`,
          session_id: `dr-session-${n}`,
          properties: { country: 'DE' },
        }));
        const start = performance.now();
        const response = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-API-Key': keys[n % keys.length] },
          body: JSON.stringify({ events }),
        });
        ingestLatencies.push(performance.now() - start);
        await response.arrayBuffer();
        if (response.status === 202) accepted += events.length;
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => worker()));
  });
  log(`accepted ${accepted} events; waiting until they are stored`);
  await timed(phases, 'store day', async () => {
    while ((await chCount(inList)) < before + accepted) await sleep(2000);
  });
  await app.close();
  const countsBefore = { clickhouse_events: await chCount(), ...(await pgCounts()) };
  // What the archive lacks when the servers die: the WAL written into the current segment.
  const sql = await pgSuper();
  const walAtCrash = (
    await sql.query<{ unarchived: string; since: string | null }>(
      `SELECT (pg_walfile_name_offset(pg_current_wal_lsn())).file_offset::text AS unarchived,
              extract(epoch FROM now() - last_archived_time)::text AS since
         FROM pg_stat_archiver`,
    )
  ).rows[0];
  await sql.end();

  // The disaster, then the restore.
  await timed(phases, 'lose data', async () => {
    for (const pidFile of [
      join(STACK_DIR, 'postgres', 'data', 'postmaster.pid'),
      join(STACK_DIR, 'clickhouse', 'clickhouse-server.pid'),
    ]) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      await run('pkill', ['-KILL', '-P', String(pid)]).catch(() => undefined);
      process.kill(pid, 'SIGKILL');
    }
    await sleep(500);
    await sh('bash', ['scripts/stack.sh', 'down', '--purge', 'postgres', 'clickhouse']);
  });
  const recordPath = (
    await timed(phases, 'restore', () => sh('bash', ['scripts/restore.sh', '--to', 'latest']))
  )
    .trim()
    .split('\n')
    .at(-1)!;
  const record = JSON.parse(readFileSync(recordPath, 'utf8')) as {
    phases: Record<string, number>;
    postgres_stop: string;
  };
  ({ app, url } = await timed(phases, 'app start', () => startConsumingApp(appEnv)));
  await timed(phases, 'replay', async () => {
    while ((await chCount(inList)) < before + accepted) await sleep(1000);
  });
  await app.close();
  await timed(phases, 'reconcile', () =>
    sh('node', [
      '-r',
      './scripts/swc-register.js',
      'src/cli/reconcile-restore.ts',
      '--since',
      manifest.started_at,
    ]),
  );
  const countsAfter = { clickhouse_events: await chCount(), ...(await pgCounts()) };
  await ch.close();

  const rto = phases.restore + phases['app start'] + phases.replay + phases.reconcile;
  const result = {
    at: new Date().toISOString(),
    loadAverage: loadavg(),
    dataSet: {
      clusterBytes: manifest.postgres.cluster_bytes,
      clickhouseEvents: countsBefore.clickhouse_events,
    },
    backup,
    dayEvents: {
      accepted,
      ingestP50Ms: percentile(sorted(ingestLatencies), 50),
      ingestP99Ms: percentile(sorted(ingestLatencies), 99),
    },
    restore: { seconds: phases.restore, phases: record.phases, postgresStop: record.postgres_stop },
    replay: { events: accepted, seconds: phases.replay, eventsPerSecond: accepted / phases.replay },
    rtoSeconds: rto,
    rpo: {
      eventsLost: countsBefore.clickhouse_events - countsAfter.clickhouse_events,
      walBytesNotArchived: Number(walAtCrash.unarchived),
      secondsSinceLastArchive: Number(walAtCrash.since ?? 'NaN'),
    },
    countsBefore,
    countsAfter,
    phases,
  };
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const out = join(REPO_ROOT, 'bench', 'results', `dr-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2));

  const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;
  console.log(`
Disaster recovery on the analytics data set (${countsBefore.clickhouse_events.toLocaleString('en')} events in ClickHouse, PostgreSQL cluster ${mb(manifest.postgres.cluster_bytes)}); load ${result.loadAverage.map((l) => l.toFixed(1)).join(' ')}

| step | seconds | detail |
|---|--:|---|
| backup (create) | ${backup.duration_seconds} | ${mb(backup.size_bytes)}; ${Object.entries(
    backup.phases,
  )
    .map(([k, v]) => `${k} ${v}s`)
    .join(', ')} |
| a day of events after it | ${phases['ingest day'].toFixed(1)} | ${accepted.toLocaleString('en')} accepted (${(accepted / phases['ingest day']).toFixed(0)} events/s; p50 ${result.dayEvents.ingestP50Ms.toFixed(0)} ms, p99 ${result.dayEvents.ingestP99Ms.toFixed(0)} ms per ${options.batch}-event request) |
| restore --to latest | ${phases.restore.toFixed(1)} | ${Object.entries(record.phases)
    .map(([k, v]) => `${k} ${v}s`)
    .join(', ')} |
| app start | ${phases['app start'].toFixed(1)} | |
| Kafka replay | ${phases.replay.toFixed(1)} | ${(accepted / phases.replay).toFixed(0)} events/s |
| reconcile | ${phases.reconcile.toFixed(1)} | |
| **RTO** | **${rto.toFixed(1)}** | restore + app start + replay + reconcile |

RPO: events lost ${result.rpo.eventsLost} (every accepted event back); PostgreSQL WAL not archived when the servers died: ${(result.rpo.walBytesNotArchived / 1024).toFixed(0)} KB, ${result.rpo.secondsSinceLastArchive.toFixed(0)} s after the last archived segment (archive_timeout 60 s bounds it).
Counts before → after: ${Object.keys(countsBefore)
    .map(
      (k) =>
        `${k} ${countsBefore[k as keyof typeof countsBefore]} → ${countsAfter[k as keyof typeof countsAfter]}`,
    )
    .join('; ')}
Saved ${out}`);
}

function pick(source: Record<string, string>, pattern: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter(([key]) => pattern.test(key)));
}

function uuid(value: string): string {
  if (!/^[0-9a-f-]{36}$/.test(value)) throw new Error(`not a UUID: ${value}`);
  return value;
}

function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
