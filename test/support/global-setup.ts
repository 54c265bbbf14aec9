import { rmSync } from 'node:fs';
import { recreateDatabase } from '../../src/database/recreate-database';
import { adminTokenFile } from './admin-token-file';
import { createClient } from '@clickhouse/client';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { buildEmbedBundle } from '../../scripts/build-embed';
import { buildWebApps } from '../../scripts/build-web';
import { kafkaClientConfig } from '../../src/ingestion/kafka/kafka-connection';
import { testEnvironment } from './stack-env';
import { startTestPgBouncer } from './test-pgbouncer';
import { prepareSiloPlacement, siloConfigured } from './placements';
import { deleteRedisNamespace } from './redis-namespace';

/**
 * Once per test run: recreate the test database as the owner role and migrate it, so every run
 * starts from the schema the migrations define and nothing else.
 */
export default async function globalSetup(): Promise<void> {
  const env = testEnvironment();
  Object.assign(process.env, env);
  for (const name of [
    'DATABASE_HOST',
    'DATABASE_OWNER_USER',
    'DATABASE_OWNER_PASSWORD',
    'DATABASE_APP_USER',
  ]) {
    if (!env[name]) {
      throw new Error(`${name} is not set: start the local stack first (bash scripts/stack.sh up)`);
    }
  }
  await recreateDatabase(
    {
      host: env.DATABASE_HOST,
      port: Number(env.DATABASE_PORT),
      user: env.DATABASE_OWNER_USER,
      password: env.DATABASE_OWNER_PASSWORD,
      maintenanceDatabase: 'postgres',
    },
    env.DATABASE_NAME,
  );
  // A new database has a new first admin: the last run's token (test-app.ts) names another.
  rmSync(adminTokenFile(env.DATABASE_NAME), { force: true });
  // And no Redis state of the last run on it: job history, holds, quota counters, caches.
  await clearRedisNamespace(env.REDIS_URL, env.DATABASE_NAME);
  // Issue 18: the siloed placement silo-1, a database of the run's own on the silo cluster.
  if (siloConfigured(env)) await prepareSiloPlacement(env);
  // TEST_DATABASE_POOLER=pgbouncer: every app of the run serves through a PgBouncer of the run's
  // own (transaction mode), e.g. the isolation suites (docs/local-stack.md, "PgBouncer").
  if (process.env.TEST_DATABASE_POOLER === 'pgbouncer') {
    const pooler = await startTestPgBouncer({ poolSize: 4 });
    Object.assign(process.env, pooler.env);
  }
  // A side lane (scripts/test.sh runs part of the suite beside the main run, on a database of its
  // own) drops only its own ClickHouse database: the Kafka topics are the main lane's to clear.
  await resetEventServers(env, { topics: process.env.TEST_LANE !== 'side' });
  // The browser bundles, fresh: the embed page's script (dist/embed) and the consoles (dist/web).
  // scripts/test.sh builds them once before its lanes start, so no lane rebuilds them under another.
  if (process.env.TEST_BUNDLES_PREBUILT !== '1') {
    await buildEmbedBundle();
    await buildWebApps();
  }
}

/**
 * Deletes the run's Redis keys. A failed job run an earlier run left would read as "the last run
 * failed" in /health/jobs until the job next ran.
 */
async function clearRedisNamespace(url: string | undefined, database: string): Promise<void> {
  if (!url) return;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await deleteRedisNamespace(redis, database);
  } finally {
    redis.disconnect();
  }
}

/** A clean ClickHouse test database and no Kafka topics left by earlier runs ("test." ones). */
async function resetEventServers(
  env: Record<string, string>,
  options: { topics: boolean },
): Promise<void> {
  if (env.CLICKHOUSE_URL) {
    if (!/_test$/.test(env.CLICKHOUSE_DATABASE))
      throw new Error('refusing to drop a non-test database');
    const clickhouse = createClient({ url: env.CLICKHOUSE_URL });
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${env.CLICKHOUSE_DATABASE}` });
    await clickhouse.close();
  }
  if (env.KAFKA_BROKERS && options.topics) {
    // The broker's admin principal: the app's may not delete topics.
    const admin = new Kafka({
      clientId: 'tenantry-test-setup',
      logLevel: logLevel.NOTHING,
      ...kafkaClientConfig({
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        KAFKA_SASL_USERNAME: env.KAFKA_ADMIN_USERNAME,
        KAFKA_SASL_PASSWORD: env.KAFKA_ADMIN_PASSWORD,
      }),
    }).admin();
    await admin.connect();
    try {
      const stale = (await admin.listTopics()).filter(isStaleTestTopic);
      if (stale.length > 0) await admin.deleteTopics({ topics: stale, timeout: 30_000 });
    } finally {
      await admin.disconnect();
    }
  }
}

/**
 * A `test.<name>.<pid>.<time>` topic (test/support/ingestion.ts) whose Jest process is gone. A
 * topic of a run still going on this machine (another worktree's, say) is left to it.
 */
function isStaleTestTopic(topic: string): boolean {
  if (!topic.startsWith('test.')) return false;
  // The overflow and dead-letter topics beside a test topic carry its name plus a suffix.
  const base = topic.replace(/(\.overflow|\.dlq)+$/, '');
  const pid = Number(base.split('.').at(-2));
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
