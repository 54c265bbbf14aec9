import { readStackEnv } from '../../src/config/stack-env';
import { siloSettings } from './placements';

export const TEST_JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';
/** AES-256-GCM key for SSO client secrets at rest (32 bytes, base64). */
export const TEST_SSO_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
export const TEST_BASE_DOMAIN = 'tenantry.test';
export const TEST_PLATFORM_ADMIN_EMAIL = 'ops@tenantry.test';
export const TEST_PLATFORM_ADMIN_PASSWORD = 'platform admin passphrase';
/** The Prometheus scrape token of every test app (GET /metrics with Authorization: Bearer). */
export const TEST_METRICS_TOKEN = 'test-metrics-scrape-token-0123456789abcdef';

/** The environment every end-to-end test runs with: the stack's servers, a test database. */
export function testEnvironment(): Record<string, string> {
  // TEST_DATABASE_NAME (ending in _test) lets two runs share the stack without sharing data.
  // Variables already exported in the shell win over the stack file (CI or a second stack).
  const stack = {
    ...STACK_DEFAULTS,
    ...readStackEnv(),
    ...pick(process.env, STACK_VARIABLES),
  };
  const base = stack.DATABASE_NAME ?? 'tenantry';
  const database =
    process.env.TEST_DATABASE_NAME ?? (base.endsWith('_test') ? base : `${base}_test`);
  return {
    ...stack,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_NAME: database,
    DATABASE_POOL_SIZE: '10',
    JWT_SECRET: TEST_JWT_SECRET,
    SSO_SECRET_KEY: TEST_SSO_SECRET_KEY,
    BASE_DOMAIN: TEST_BASE_DOMAIN,
    // Every test logs in from 127.0.0.1; only the rate-limit test sets a low limit.
    LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
    // Likewise per tenant: suites drive one tenant hard; the rate-limit tests use the plans'.
    TENANT_RATE_LIMIT_PER_MINUTE: '1000000',
    // Suites change events behind the API (straight into a store) and query again: the analytics
    // result cache is on only where a test turns it on (test/analytics/fair-analytics).
    ANALYTICS_CACHE_SECONDS: '0',
    // Ingestion: a test database in ClickHouse, a topic of the test run's own, and no consumer
    // unless a test starts one (with a topic and group of its own: see test/support/ingestion.ts).
    // The same name in ClickHouse, so TEST_DATABASE_NAME gives a second run its own of both.
    CLICKHOUSE_DATABASE: database,
    KAFKA_EVENTS_TOPIC: 'test.events.shared',
    INGESTION_CONSUMER: 'off',
    INGESTION_FLUSH_MS: '50',
    PLATFORM_ADMIN_EMAIL: TEST_PLATFORM_ADMIN_EMAIL,
    PLATFORM_ADMIN_PASSWORD: TEST_PLATFORM_ADMIN_PASSWORD,
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    // Backups only where a test sets a scratch BACKUP_DIR: a stack configured for backups
    // (stack.env) must not make every test app schedule real ones.
    BACKUP_DIR: '',
    // The silo cluster (placement silo-1): the run's own database there, beside DATABASE_NAME.
    ...siloSettings(stack, database),
  };
}

/**
 * What scripts/stack.sh creates when its environment names nothing else, for a stack.env written
 * by an older copy of the script (the platform role and the ClickHouse users are newer).
 */
const STACK_DEFAULTS: Record<string, string> = {
  DATABASE_PLATFORM_USER: 'tenantry_platform',
  DATABASE_PLATFORM_PASSWORD: 'tenantry_platform_dev',
  CLICKHOUSE_WRITER_USER: 'tenantry_writer',
  CLICKHOUSE_WRITER_PASSWORD: 'tenantry_writer_dev',
  CLICKHOUSE_READER_USER: 'tenantry_reader',
  CLICKHOUSE_READER_PASSWORD: 'tenantry_reader_dev',
};

const STACK_VARIABLES = [
  'DATABASE_HOST',
  'DATABASE_PORT',
  'DATABASE_NAME',
  'DATABASE_OWNER_USER',
  'DATABASE_OWNER_PASSWORD',
  'DATABASE_APP_USER',
  'DATABASE_APP_PASSWORD',
  'DATABASE_PLATFORM_USER',
  'DATABASE_PLATFORM_PASSWORD',
  'DATABASE_POOLER',
  'DATABASE_POOLER_PORT',
  'CLICKHOUSE_WRITER_USER',
  'CLICKHOUSE_WRITER_PASSWORD',
  'CLICKHOUSE_READER_USER',
  'CLICKHOUSE_READER_PASSWORD',
  'CLICKHOUSE_READER_BACKGROUND_USER',
  'CLICKHOUSE_READER_BACKGROUND_PASSWORD',
  'REDIS_URL',
  'CLICKHOUSE_URL',
  'KAFKA_BROKERS',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_PRODUCER_USERNAME',
  'KAFKA_PRODUCER_PASSWORD',
  'KAFKA_TEST_PRODUCER_USERNAME',
  'KAFKA_TEST_PRODUCER_PASSWORD',
  'KAFKA_ADMIN_USERNAME',
  'KAFKA_ADMIN_PASSWORD',
];

function pick(source: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  return Object.fromEntries(
    keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key] as string]),
  );
}
