import { plainToInstance, Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';
import {
  DEFAULT_OVERFLOW_THRESHOLDS,
  OVERFLOW_THRESHOLDS_PATTERN,
} from '../ingestion/overflow/overflow-thresholds';
import { backupScheduleProblem } from '../backups/backup-schedule';
import {
  CLICKHOUSE_NODE_URLS_PATTERN,
  clickhouseClusterProblem,
} from '../ingestion/store/clickhouse/clickhouse-cluster-settings';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const DNS_SERVER = String.raw`(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:.]+\](:\d{1,5})?|[0-9a-fA-F]*:[0-9a-fA-F:.]+)`;
const DNS_RESOLVERS_PATTERN = new RegExp(
  String.raw`^\s*(${DNS_SERVER}(\s*,\s*${DNS_SERVER})*)?\s*$`,
);

/** Every variable the process reads. `.env.example` documents each one. */
export class Environment {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  /**
   * Which reverse proxies in front of the app to believe about the client (Express's `trust
   * proxy`): empty (no proxy, the default), `loopback`, `uniquelocal`, a hop count, or a comma
   * list of addresses or CIDRs. Behind a TLS-terminating proxy, set it so X-Forwarded-Proto makes
   * the session cookies Secure and X-Forwarded-For gives the audit log and the login limit the
   * client's address; never set it without a proxy, or any client could claim any address.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(loopback|linklocal|uniquelocal|\d{1,2}|[0-9a-fA-F:./]+(\s*,\s*[0-9a-fA-F:./]+)*)$/, {
    message:
      'TRUST_PROXY must be loopback, linklocal, uniquelocal, a hop count, or a comma list of addresses or CIDRs',
  })
  TRUST_PROXY?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsString()
  @IsNotEmpty()
  DATABASE_HOST: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  DATABASE_PORT = 5432;

  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DATABASE_NAME must be a plain lowercase identifier',
  })
  DATABASE_NAME: string;

  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DATABASE_APP_USER must be a plain lowercase identifier',
  })
  DATABASE_APP_USER: string;

  @IsString()
  @IsNotEmpty()
  DATABASE_APP_PASSWORD: string;

  /**
   * The platform role: only the /admin code paths and the rollup job connect as it (a pool of
   * their own). It holds the cross-tenant readers and UPDATE on tenants and platform_admins,
   * which the app role, serving tenant traffic, does not.
   */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DATABASE_PLATFORM_USER must be a plain lowercase identifier',
  })
  DATABASE_PLATFORM_USER: string;

  @IsString()
  @IsNotEmpty()
  DATABASE_PLATFORM_PASSWORD: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_PLATFORM_POOL_SIZE = 3;

  /** Only migrations use the owner role; the running app never does. */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DATABASE_OWNER_USER must be a plain lowercase identifier',
  })
  DATABASE_OWNER_USER?: string;

  @IsOptional()
  @IsString()
  DATABASE_OWNER_PASSWORD?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE = 10;

  // Placements (issue 18): the pools of siloed tenants' databases. Their connection settings are
  // PLACEMENT_<NAME>_* variables (or a file), read when a placement's pool opens, not here.
  /** Placement databases open at once (the control database not counted). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  PLACEMENT_MAX_OPEN = 8;

  /** App-role connections per placement database. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  PLACEMENT_POOL_SIZE = 5;

  /** Platform-role connections per placement database. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  PLACEMENT_PLATFORM_POOL_SIZE = 2;

  /** A placement's pools unused this long (and with nothing checked out) are closed. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  PLACEMENT_IDLE_MS = 300_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DATABASE_STATEMENT_TIMEOUT_MS = 15000;

  /**
   * `pgbouncer`: the app and platform pools connect through PgBouncer (transaction mode) at
   * DATABASE_POOLER_HOST:DATABASE_POOLER_PORT and send no statement_timeout startup parameter,
   * which PgBouncer refuses: the timeout then comes from the roles (ALTER ROLE … SET
   * statement_timeout, scripts/stack/postgres/bootstrap.sql). Migrations and CLIs stay direct.
   */
  @IsIn(['none', 'pgbouncer'])
  DATABASE_POOLER: 'none' | 'pgbouncer' = 'none';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  DATABASE_POOLER_HOST?: string;

  @Transform(({ value }) => toInt({ value: emptyToUndefined({ value }) }))
  @ValidateIf(
    (env: Environment) =>
      env.DATABASE_POOLER === 'pgbouncer' || env.DATABASE_POOLER_PORT !== undefined,
  )
  @IsInt({
    message: 'DATABASE_POOLER_PORT must be a port number (required with DATABASE_POOLER=pgbouncer)',
  })
  @Min(1)
  @Max(65535)
  DATABASE_POOLER_PORT?: number;

  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET: string;

  /**
   * The key that encrypts tenants' SSO client secrets at rest (AES-256-GCM): 32 random bytes,
   * base64. Unset: a tenant can still configure SSO with a secret reference (env:NAME), but not
   * with a literal client secret.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$|^[A-Za-z0-9_-]{43}$/, {
    message: 'SSO_SECRET_KEY must be 32 bytes in base64 (openssl rand -base64 32)',
  })
  SSO_SECRET_KEY?: string;

  /**
   * In production an SSO issuer (and the endpoints its discovery document names) may not be on
   * an internal network address (loopback, private, link-local): a tenant chooses the issuer, so
   * that would let it reach the platform's own network. true allows it, for an identity provider
   * inside the operator's network. Outside production internal addresses are always allowed.
   */
  @IsIn(['true', 'false'], { message: 'SSO_ALLOW_INTERNAL_ISSUERS must be true or false' })
  SSO_ALLOW_INTERNAL_ISSUERS: 'true' | 'false' = 'false';

  /** The first platform admin account, created at start-up when none exists yet. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'PLATFORM_ADMIN_EMAIL must be an email address' })
  PLATFORM_ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'PLATFORM_ADMIN_PASSWORD must be at least 12 characters' })
  PLATFORM_ADMIN_PASSWORD?: string;

  /** Tenants are also reachable as <slug>.<BASE_DOMAIN>. */
  @Matches(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    {
      message: 'BASE_DOMAIN must be a lowercase domain name such as tenantry.localhost',
    },
  )
  BASE_DOMAIN = 'tenantry.localhost';

  /**
   * DNS servers that verify custom domains' TXT records: comma-separated IP[:port] (IPv6 as
   * [addr]:port). Empty: the system's resolvers.
   */
  @Matches(DNS_RESOLVERS_PATTERN, {
    message: 'DNS_RESOLVERS must be a comma-separated list of IP[:port], such as 1.1.1.1,[::1]:53',
  })
  DNS_RESOLVERS = '';

  @Matches(/^\d+(b|kb|mb)$/, { message: 'HTTP_BODY_LIMIT must look like 100kb or 1mb' })
  HTTP_BODY_LIMIT = '1mb';

  /**
   * How long an idle keep-alive connection stays open. Above the 60 s idle timeout load
   * balancers commonly keep (AWS ALB, nginx upstream keepalive), so the client side always closes
   * first: with Node's own 5 s a request sent on a connection the server is closing fails with
   * ECONNRESET (a 502 behind a balancer).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_KEEP_ALIVE_SECONDS = 65;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  /** How often the app checks that Redis still holds its epoch key (else it rebuilds; src/jobs). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  REDIS_REBUILD_CHECK_SECONDS = 30;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'CLICKHOUSE_URL must be an http(s):// URL' })
  CLICKHOUSE_URL?: string;

  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'CLICKHOUSE_DATABASE must be a plain lowercase identifier',
  })
  CLICKHOUSE_DATABASE = 'tenantry';

  /**
   * The ClickHouse user for ingestion and the schema steps (it writes and creates tables).
   * Unset: ClickHouse's `default` user.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'CLICKHOUSE_WRITER_USER must be a plain lowercase identifier',
  })
  CLICKHOUSE_WRITER_USER?: string;

  @IsOptional()
  @IsString()
  CLICKHOUSE_WRITER_PASSWORD?: string;

  /**
   * The read-only ClickHouse user every analytics read runs as: readonly=1 and the profile's
   * max_execution_time, max_memory_usage and max_rows_to_read bound each query on the server.
   * Unset: reads run as the writer, with no such bounds (a warning at start-up).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'CLICKHOUSE_READER_USER must be a plain lowercase identifier',
  })
  CLICKHOUSE_READER_USER?: string;

  @IsOptional()
  @IsString()
  CLICKHOUSE_READER_PASSWORD?: string;

  /**
   * The reader at a low server priority (its profile: the reader's limits and `priority` 10,
   * the reader's 1): a tenant's 2nd and later analytics queries at once run as it, so they
   * yield to everyone's first. Unset: they run as the reader.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'CLICKHOUSE_READER_BACKGROUND_USER must be a plain lowercase identifier',
  })
  CLICKHOUSE_READER_BACKGROUND_USER?: string;

  @IsOptional()
  @IsString()
  CLICKHOUSE_READER_BACKGROUND_PASSWORD?: string;

  /**
   * Whether long ClickHouse ranges read whole days from the events_daily rollup. Off: on 18.16
   * its exact sets merge slower than the raw rows scan (see clickhouse-analytics.store.ts).
   */
  @IsIn(['true', 'false'], { message: 'CLICKHOUSE_ROLLUP_READS must be true or false' })
  CLICKHOUSE_ROLLUP_READS: 'true' | 'false' = 'false';

  /**
   * A ClickHouse cluster by its remote_servers name (`tenantry` from scripts/stack.sh with
   * CLICKHOUSE_NODES=2): each tenant's events live on one shard, chosen by a hash of its id,
   * and reads go through Distributed tables. Needs CLICKHOUSE_NODE_URLS. Unset: one server.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'CLICKHOUSE_CLUSTER must be a plain lowercase identifier',
  })
  CLICKHOUSE_CLUSTER?: string;

  /** The cluster's servers (HTTP URLs), comma-separated, in the shard order of remote_servers. */
  @Transform(emptyToUndefined)
  @ValidateIf(
    (env: Environment) =>
      env.CLICKHOUSE_CLUSTER !== undefined || env.CLICKHOUSE_NODE_URLS !== undefined,
  )
  @Matches(CLICKHOUSE_NODE_URLS_PATTERN, {
    message:
      'CLICKHOUSE_NODE_URLS must be 1 to 16 comma-separated http(s):// URLs (required with CLICKHOUSE_CLUSTER)',
  })
  CLICKHOUSE_NODE_URLS?: string;

  /**
   * How long an analytics query's concurrency lease lives without renewal: the slot of a query
   * whose app copy died comes back within this (a running query renews at a third of it).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  ANALYTICS_QUERY_LEASE_SECONDS = 15;

  /**
   * How many background analytics queries (a tenant's 2nd and later at once, every funnel and
   * retention) run at a time in one app copy, every tenant together, on either store; the rest
   * wait their turn, round robin between tenants, holding no connection.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  ANALYTICS_BACKGROUND_QUERIES = 1;

  /** How long an analytics answer is served from the Redis result cache; 0 turns it off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  ANALYTICS_CACHE_SECONDS = 60;

  /** Answers larger than this (bytes of JSON) are not cached. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(16_000_000)
  ANALYTICS_CACHE_MAX_BYTES = 262_144;

  /** Comma-separated host:port list. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\w.-]+:\d+(,[\w.-]+:\d+)*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated host:port list',
  })
  KAFKA_BROKERS?: string;

  @IsString()
  @MaxLength(64)
  KAFKA_CLIENT_ID = 'tenantry';

  /**
   * The app's Kafka principal (SASL). Without a username the client connects without SASL,
   * which only a plaintext broker accepts; the local stack's broker requires SCRAM-SHA-512.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\w.@-]{1,128}$/, { message: 'KAFKA_SASL_USERNAME must be a plain user name' })
  KAFKA_SASL_USERNAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  KAFKA_SASL_PASSWORD?: string;

  @IsIn(['scram-sha-512', 'scram-sha-256', 'plain'], {
    message: 'KAFKA_SASL_MECHANISM must be scram-sha-512, scram-sha-256 or plain',
  })
  KAFKA_SASL_MECHANISM: 'scram-sha-512' | 'scram-sha-256' | 'plain' = 'scram-sha-512';

  /** The ingestion topic; its dead-letter topic is `<topic>.dlq`. Created at start-up if missing. */
  @Matches(/^[a-zA-Z0-9._-]{1,200}$/, {
    message: 'KAFKA_EVENTS_TOPIC must be a Kafka topic name (letters, digits, . _ -)',
  })
  KAFKA_EVENTS_TOPIC = 'tenant_events';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  KAFKA_EVENTS_PARTITIONS = 6;

  @Matches(/^[a-zA-Z0-9._-]{1,200}$/, { message: 'KAFKA_CONSUMER_GROUP must be a plain name' })
  KAFKA_CONSUMER_GROUP = 'tenantry-ingestion';

  /**
   * How long the broker waits to hear from a consumer before it gives that consumer's partitions
   * to the rest of the group: a copy that died (OOM, SIGKILL) stalls its partitions this long.
   * Within the broker's group.min/max.session.timeout.ms (6 s and 30 min by default).
   */
  @Transform(toInt)
  @IsInt()
  @Min(6_000)
  @Max(300_000)
  KAFKA_SESSION_TIMEOUT_MS = 30_000;

  /** Whether this process consumes the ingestion topic (off for API-only copies). */
  @IsIn(['on', 'off'], { message: 'INGESTION_CONSUMER must be on or off' })
  INGESTION_CONSUMER: 'on' | 'off' = 'on';

  /** /health calls the consumer stalled when it has a backlog and no commit for this long. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  CONSUMER_STALL_SECONDS = 30;

  /** Where events are stored: ClickHouse when CLICKHOUSE_URL is set (auto), else PostgreSQL. */
  @IsIn(['auto', 'clickhouse', 'postgres'], {
    message: 'EVENT_STORE must be auto, clickhouse or postgres',
  })
  EVENT_STORE: 'auto' | 'clickhouse' | 'postgres' = 'auto';

  /** The consumer writes when this many rows are buffered, or INGESTION_FLUSH_MS after the first. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  INGESTION_FLUSH_ROWS = 20000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60_000)
  INGESTION_FLUSH_MS = 200;

  /**
   * Hot-tenant overflow: events per second above which a tenant's events go to the overflow topic,
   * per tier (`starter:500,growth:2000,enterprise:5000`; a tier left out keeps that default,
   * `tier:off` exempts it), or `off` for nobody. See src/ingestion/overflow.
   */
  @Matches(OVERFLOW_THRESHOLDS_PATTERN, {
    message:
      'INGEST_OVERFLOW_EVENTS_PER_SECOND must be off or tier:rate pairs such as starter:500,growth:2000,enterprise:5000 (rate a positive integer or off)',
  })
  INGEST_OVERFLOW_EVENTS_PER_SECOND = DEFAULT_OVERFLOW_THRESHOLDS;

  /** The span a tenant's intake rate is measured over. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  INGEST_OVERFLOW_WINDOW_SECONDS = 10;

  /** A hot tenant stays hot at least this long (it cools below half its threshold after it). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  INGEST_OVERFLOW_MIN_HOT_SECONDS = 30;

  /** The overflow consumer's group commit: rows per insert, and the longest wait for them. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  INGEST_OVERFLOW_FLUSH_ROWS = 50000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60_000)
  INGEST_OVERFLOW_FLUSH_MS = 1000;

  /** The overflow consumer's fetch per partition, in megabytes (the main consumer's is 4). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  INGEST_OVERFLOW_FETCH_MB = 8;

  /**
   * Overflow partition batches the consumer works on at once (as the main consumer: 6). Fewer
   * leaves a hot tenant's backlog more of a lag and takes less CPU from everyone else; 2 measured
   * no better for the others than 6 on the 2-core bench machine and slowed the hot tenant.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  INGEST_OVERFLOW_PARTITIONS_CONCURRENTLY = 6;

  /**
   * How often the PostgreSQL event store's daily rollups catch up with written days (a BullMQ
   * repeatable job when Redis is configured, an in-process timer otherwise).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  ROLLUP_REFRESH_SECONDS = 60;

  /**
   * How often the ClickHouse event store's closed weeks are merged into one part each (a BullMQ
   * repeatable job when Redis is configured, an in-process timer otherwise): analytics then count
   * those weeks without FINAL. A UTC week (from Monday) is closed an hour after it ends, and
   * merged once no part of it has changed for ten minutes.
   */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86_400)
  CLICKHOUSE_COMPACTION_SECONDS = 3600;

  /**
   * An end-user erasure runs a second pass this long after the first: events of that user sent
   * before the erasure but still in flight (Kafka lag, a consumer catching up) are removed then.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  ERASURE_RECHECK_SECONDS = 900;

  /**
   * The Prometheus scrape token: GET /metrics needs `Authorization: Bearer <token>`. Without it
   * /metrics answers 401 to everyone (the counters tell operators about tenants).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'METRICS_TOKEN must be at least 32 characters' })
  @Matches(/^[\x21-\x7e]+$/, { message: 'METRICS_TOKEN must be printable ASCII without spaces' })
  METRICS_TOKEN?: string;

  /** A second listener serving only /metrics (0: any free port); unset: none. */
  @Transform(({ value }) => toInt({ value: emptyToUndefined({ value }) }))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number;

  /** Where that listener binds: loopback unless the scraper sits on another host. */
  @IsString()
  @IsNotEmpty()
  METRICS_HOST = '127.0.0.1';

  /**
   * Days a deleted tenant stays restorable (pending_deletion) before the purge job removes its
   * data everywhere; at least 1, at most 10 years.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  TENANT_PURGE_GRACE_DAYS = 30;

  /** Login attempts (and, counted apart, refreshes) per client IP per minute; shared through Redis. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_RATE_LIMIT_PER_MINUTE = 20;

  /**
   * Tenant API requests per minute: `plan` (each tenant's plan figure), `off` (no tenant limit:
   * an operator's switch, and the benchmark's baseline), or one number for every tenant (load
   * tests and benchmarks; production leaves the plan in charge).
   */
  @Matches(/^(plan|off|[1-9]\d{0,8})$/, {
    message: 'TENANT_RATE_LIMIT_PER_MINUTE must be plan, off or a positive integer',
  })
  TENANT_RATE_LIMIT_PER_MINUTE = 'plan';

  /**
   * The in-process cache of credentials and tenants the tenant pipeline reads on every request
   * (API key → tenant and scopes, a token's user → status and role, tenant → status and plan):
   * on, or off (every request asks PostgreSQL; benchmarks compare the two).
   */
  @IsIn(['on', 'off'])
  CREDENTIAL_CACHE: 'on' | 'off' = 'on';

  /**
   * How long a cached credential or tenant may be served without asking PostgreSQL again, in
   * seconds: the bound on staleness when an invalidation message is missed.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  CREDENTIAL_CACHE_TTL_SECONDS = 30;

  /** Entries per cache (API keys, users, tenants): the memory bound, oldest out first. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  CREDENTIAL_CACHE_MAX_ENTRIES = 20_000;

  /**
   * Where data-export archives are written (an absolute path, or relative to the working
   * directory); unset: data/exports under the project (git-ignored). Files go after 7 days.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[^\0]{1,1024}$/, { message: 'EXPORT_DIRECTORY must be a path' })
  EXPORT_DIRECTORY?: string;

  /** The largest archive POST /admin/tenants/:id/import accepts, in megabytes. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(102_400)
  IMPORT_MAX_MEGABYTES = 2048;

  /**
   * The backup folder scripts/backup.sh writes (docs/disaster-recovery.md), an absolute path.
   * Unset: backups are not configured; GET /admin/backups says so and the job does not run.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\/[^\0]{0,1023}$/, { message: 'BACKUP_DIR must be an absolute path' })
  BACKUP_DIR?: string;

  /** When the platform-backups job runs: a 5-field cron pattern in UTC, or `off`. */
  @IsString()
  BACKUP_SCHEDULE = '0 2 * * *';

  /** The backup command the job runs (`create --json`, then `prune`); unset: scripts/backup.sh. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[^\0]{1,1024}$/, { message: 'BACKUP_SCRIPT must be a path' })
  BACKUP_SCRIPT?: string;

  /** A scheduled backup still running after this long is stopped and counted as failed. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86_400)
  BACKUP_TIMEOUT_SECONDS = 3600;

  /** The newest successful backup may be this old before GET /admin/backups calls it stale. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(2_592_000)
  BACKUP_MAX_AGE_SECONDS = 86_400;

  /** Days of backups (and the WAL between them) `backup.sh prune` keeps. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  BACKUP_RETENTION_DAYS = 30;
}

/**
 * ConfigModule's `validate` hook: turns raw env strings into a typed Environment, or stops
 * start-up with one line per bad variable, each naming it.
 */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  const lines = errors.map((error) => {
    const reasons = Object.values(error.constraints ?? {});
    const missing = error.value === undefined || error.value === '';
    return `  ${error.property}: ${missing ? 'is missing' : reasons.join('; ')}`;
  });
  const scheduleProblem = backupScheduleProblem(env.BACKUP_SCHEDULE);
  if (scheduleProblem) lines.push(`  BACKUP_SCHEDULE: ${scheduleProblem}`);
  const clusterProblem = clickhouseClusterProblem(env);
  if (clusterProblem) lines.push(clusterProblem);
  if (env.KAFKA_SASL_USERNAME && !env.KAFKA_SASL_PASSWORD) {
    lines.push('  KAFKA_SASL_PASSWORD: is missing (KAFKA_SASL_USERNAME is set)');
  }
  if (lines.length > 0) {
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  return env;
}
