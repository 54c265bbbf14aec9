import 'reflect-metadata';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Logger as PinoLogger } from 'nestjs-pino';
import { Client } from 'pg';
import { AppModule } from '../app.module';
import { PlatformAuditService } from '../audit/platform/platform-audit.service';
import { readStackEnv } from '../config/stack-env';
import { ClickHouseEventStore } from '../ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../ingestion/store/event-store';
import { PostgresEventDeletion } from '../ingestion/store/postgres-event-deletion';
import { buildIsolationReport } from '../isolation/isolation-report';
import { RetentionEnforcerService } from '../privacy/retention/retention-enforcer.service';
import { type ReconcileSummary, reconcileRestore } from '../restore/reconcile-restore';
import { replayMarksOf } from '../restore/replay-marks-report';
import { ErasedSubjectsRepository } from '../restore/erased-subjects.repository';
import { RestoreRecordsRepository } from '../restore/restore-records.repository';
import { TenantContext } from '../tenancy/scope/tenant.context';

/**
 * `npm run reconcile-restore -- --since <ISO time of the ClickHouse snapshot>
 * [--replay-marks <kafka-offsets reset report.json> [--restore-id <id>]] [--replay-marks-only]`
 *
 * After a restore, brings the stores back to every promise made since the snapshot (see
 * src/restore/reconcile-restore.ts). Runs with the app's environment (the stack's stack.env
 * fills in what it does not say): the app's own services for ClickHouse and retention, the
 * owner role for the erasure records and replay marks, the platform role for the isolation
 * report. Prints one JSON summary on stdout (logs go to stderr) and exits 1 when a step failed,
 * 2 when it could not start. `--replay-marks-only` writes the marks and stops: run it right
 * after the offsets reset, before the app consumes, and the whole reconciliation after the
 * catch-up.
 */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
/** A reset report is a few KB per partition; this is far above any real one. */
const MAX_REPORT_BYTES = 16 * 1024 * 1024;

class UsageError extends Error {}

function options() {
  const { values } = parseArgs({
    options: {
      since: { type: 'string' },
      'replay-marks': { type: 'string' },
      'restore-id': { type: 'string' },
      'replay-marks-only': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const marksOnly = values['replay-marks-only'] === true;
  const since = values.since;
  if (!marksOnly && (!since || !ISO.test(since) || Number.isNaN(Date.parse(since)))) {
    throw new UsageError('--since must be an ISO time with its zone, e.g. 2026-11-30T14:25:00Z');
  }
  const reportPath = values['replay-marks'];
  if (marksOnly && !reportPath) throw new UsageError('--replay-marks-only needs --replay-marks');
  const restoreId = values['restore-id'] ?? (reportPath ? basename(reportPath, '.json') : '');
  if (reportPath && !/^[\w.:-]{1,100}$/.test(restoreId)) {
    throw new UsageError('--restore-id must be 1-100 letters, digits, . _ : -');
  }
  return { since: since ? new Date(since) : null, reportPath, restoreId, marksOnly };
}

function readMarks(path: string) {
  // Sized before it is read: a wrong path (a data file, a device) must not fill the memory.
  const stat = statSync(path);
  if (!stat.isFile() || stat.size > MAX_REPORT_BYTES)
    throw new UsageError(`${path} is not a file of at most 16 MB`);
  const text = readFileSync(path);
  return replayMarksOf(JSON.parse(text.toString('utf8')));
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (!value) throw new UsageError(`${name} is missing (the reconciliation needs it)`);
  return value;
}

async function connect(env: Record<string, string | undefined>, role: 'OWNER' | 'PLATFORM') {
  const client = new Client({
    host: required(env, 'DATABASE_HOST'),
    port: Number(env.DATABASE_PORT ?? 5432),
    database: required(env, 'DATABASE_NAME'),
    user: required(env, `DATABASE_${role}_USER`),
    password: required(env, `DATABASE_${role}_PASSWORD`),
    application_name: 'tenantry-reconcile-restore',
  });
  await client.connect();
  return client;
}

async function main(write: (text: string) => void): Promise<number> {
  Object.assign(process.env, { ...readStackEnv(), ...process.env });
  const env = process.env;
  const args = options();
  const marks = args.reportPath
    ? { restoreId: args.restoreId, marks: readMarks(args.reportPath) }
    : undefined;
  const owner = await connect(env, 'OWNER');
  const platform = await connect(env, 'PLATFORM');
  const records = new RestoreRecordsRepository({ owner, platform });
  try {
    if (args.marksOnly && marks) {
      await records.replaceReplayMarks(marks.restoreId, marks.marks);
      write(
        JSON.stringify({
          ok: true,
          replay_marks: { restore_id: marks.restoreId, marks: marks.marks.length },
        }),
      );
      return 0;
    }
    const app = await NestFactory.createApplicationContext(await AppModule.forRoot(), {
      bufferLogs: true,
    });
    app.useLogger(app.get(PinoLogger));
    const redisUrl = env.REDIS_URL?.trim();
    const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
    try {
      const store = app.get<EventStore>(EVENT_STORE);
      const clickhouse = store instanceof ClickHouseEventStore ? store : undefined;
      const log = app.get(PinoLogger);
      const tenantContext = app.get(TenantContext);
      const postgresDeletion = new PostgresEventDeletion(tenantContext);
      const postgresSubjects = new ErasedSubjectsRepository(tenantContext);
      const summary: ReconcileSummary = await reconcileRestore(
        {
          records,
          clickhouse,
          postgres: clickhouse
            ? undefined
            : {
                usersOf: (erasure) => postgresSubjects.usersOf(erasure),
                eraseUser: (tenantId, userId, cutoff) =>
                  postgresDeletion.eraseUser(tenantId, userId, cutoff),
              },
          retention: () => app.get(RetentionEnforcerService).enforce(),
          redis: redis && { client: redis, database: required(env, 'DATABASE_NAME') },
          isolation: () =>
            buildIsolationReport({
              query: records.catalogueQuery,
              roles: {
                app: required(env, 'DATABASE_APP_USER'),
                platform: required(env, 'DATABASE_PLATFORM_USER'),
              },
              clickhouse,
            }),
          log: (entry) => log.log(entry, 'ReconcileRestore'),
        },
        { since: args.since!, replayMarks: marks },
      );
      await app
        .get(PlatformAuditService)
        .record(
          { action: 'restore.reconciled', resourceType: 'platform', details: { ...summary } },
          { type: 'system', id: 'reconcile-restore', ip: null, userAgent: null },
        );
      write(JSON.stringify(summary, null, 2));
      return summary.ok ? 0 : 1;
    } finally {
      redis?.disconnect();
      await app.close();
    }
  } finally {
    await owner.end();
    await platform.end();
  }
}

// stdout carries the summary alone: everything else written there (the app's JSON logs) goes
// to stderr.
const stdout = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
main((text) => stdout(`${text}\n`)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
