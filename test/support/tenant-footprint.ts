import { createClient } from '@clickhouse/client';
import Redis from 'ioredis';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { connectAs } from './sql';

/**
 * Everything of one tenant the platform keeps, in every place it keeps it: rows of every
 * PostgreSQL table with tenant_id, rows of every ClickHouse table with tenant_id, and Redis keys
 * naming the tenant. `seedFootprint` puts at least one of each there; `footprintOf` counts.
 *
 * The table lists are read from the catalogues, and seeding FAILS for a table this file does not
 * know: a new tenant table must be taught here (a seeder below), so the purge tests cover it.
 */

/** How each PostgreSQL tenant table gets a row; `null`: provisioning already wrote one. */
const POSTGRES_SEEDERS: Record<string, ((db: Client, s: SeedContext) => Promise<unknown>) | null> =
  {
    tenant_settings: null,
    users: null,
    dashboards: null,
    tenant_plan_periods: null,
    audit_log: null,
    password_set_tokens: null,
    api_keys: (db, s) =>
      db.query(
        `INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, scopes)
         VALUES ($1, 'footprint', $2, $3, ARRAY['events:write'])`,
        [s.tenantId, `${s.tenantId.replace(/-/g, '')}${randomBytes(4).toString('hex')}`, hash()],
      ),
    refresh_tokens: (db, s) =>
      db.query(
        `INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, now() + interval '1 day')`,
        [s.tenantId, s.ownerId, randomUUID(), hash()],
      ),
    events: async (db, s) => {
      // With ClickHouse as the active store the app makes no PostgreSQL partitions: make them.
      await db.query('SELECT public.ensure_event_partitions(current_date - 40, current_date + 40)');
      return db.query(
        `INSERT INTO events (tenant_id, event_id, "timestamp", event_type, user_id, session_id,
                             properties, received_at)
         VALUES ($1, $2, now() - interval '1 hour', 'footprint', 'u1', 's1', '{}', now())`,
        [s.tenantId, randomUUID()],
      );
    },
    event_rollup_days: (db, s) =>
      db.query(
        `INSERT INTO event_rollup_days (tenant_id, day) VALUES ($1, current_date - 3)
         ON CONFLICT DO NOTHING`,
        [s.tenantId],
      ),
    event_rollups_daily: (db, s) =>
      db.query("INSERT INTO event_rollups_daily VALUES ($1, current_date - 3, 'footprint', 1)", [
        s.tenantId,
      ]),
    event_rollup_daily_users: (db, s) =>
      db.query(
        "INSERT INTO event_rollup_daily_users VALUES ($1, current_date - 3, 'footprint', 'u1')",
        [s.tenantId],
      ),
    event_rollup_daily_sessions: (db, s) =>
      db.query(
        "INSERT INTO event_rollup_daily_sessions VALUES ($1, current_date - 3, 'footprint', 's1')",
        [s.tenantId],
      ),
    event_rollup_daily_all_users: (db, s) =>
      db.query("INSERT INTO event_rollup_daily_all_users VALUES ($1, current_date - 3, 'u1')", [
        s.tenantId,
      ]),
    event_rollup_daily_all_sessions: (db, s) =>
      db.query("INSERT INTO event_rollup_daily_all_sessions VALUES ($1, current_date - 3, 's1')", [
        s.tenantId,
      ]),
    query_costs: (db, s) =>
      db.query(
        `INSERT INTO query_costs (tenant_id, kind, route, store, duration_ms, rows_read, bytes_read, cost)
         VALUES ($1, 'summary', '/v1/analytics/summary', 'postgres', 1, 1, 1, 1)`,
        [s.tenantId],
      ),
    // Failed, so no export run picks it up (a queued one would be taken over by the next POST).
    data_exports: (db, s) =>
      db.query(
        `INSERT INTO data_exports (tenant_id, status, requested_by_type, range_from, range_to, error)
         VALUES ($1, 'failed', 'user', now() - interval '1 day', now(), 'footprint')`,
        [s.tenantId],
      ),
    // Finished, so no app started by a test picks it up and writes to the tenant's audit log.
    erasure_requests: (db, s) =>
      db.query(
        `INSERT INTO erasure_requests (tenant_id, subject_digest, status, requested_by_type, cutoff,
                                       completed_at, rechecked_at)
         VALUES ($1, repeat('a', 64), 'completed', 'user', now(), now(), now())`,
        [s.tenantId],
      ),
    custom_domains: (db, s) =>
      db.query(
        `INSERT INTO custom_domains (tenant_id, hostname, verification_token)
         VALUES ($1, $2, 'footprint')`,
        [s.tenantId, `footprint-${s.tenantId}.example.com`],
      ),
    tenant_branding: (db, s) =>
      db.query(
        `INSERT INTO tenant_branding (tenant_id, primary_color, accent_color, background_color, text_color)
         VALUES ($1, '#112233', '#445566', '#ffffff', '#000000') ON CONFLICT DO NOTHING`,
        [s.tenantId],
      ),
    sso_connections: (db, s) =>
      db.query(
        `INSERT INTO sso_connections (tenant_id, issuer, client_id, client_secret_ref, default_role)
         VALUES ($1, 'https://idp.footprint.example', 'footprint', 'env:SSO_CLIENT_SECRET_FOOTPRINT', 'viewer')
         ON CONFLICT DO NOTHING`,
        [s.tenantId],
      ),
    sso_login_states: (db, s) =>
      db.query(
        `INSERT INTO sso_login_states (tenant_id, state_hash, expires_at)
         VALUES ($1, $2, now() + interval '10 minutes')`,
        [s.tenantId, hash()],
      ),
    usage_daily: (db, s) =>
      db.query(
        `INSERT INTO usage_daily (tenant_id, day, events_accepted) VALUES ($1, current_date, 1)
         ON CONFLICT DO NOTHING`,
        [s.tenantId],
      ),
    invoices: (db, s) =>
      db.query(
        `INSERT INTO invoices (tenant_id, sequence_number, number, period_start, period_end, lines,
                               events_included, events_used, events_overage, total_cents)
         VALUES ($1, 1, 'FP-0001', '2020-01-01T00:00:00Z', '2020-02-01T00:00:00Z', '[]', 0, 0, 0, 0)`,
        [s.tenantId],
      ),
  };

/** ClickHouse tables with tenant_id this helper fills (events; events_daily by its view). */
const CLICKHOUSE_TABLES = ['events', 'events_daily'];

/** Redis key families the app writes for a tenant (under tenantry:<database>:). */
const REDIS_FAMILIES = (id: string, month: string) => [
  `rate-limit:${id}`,
  `quota:${id}:${month}`,
  `quota:warned:${id}:${month}:80`,
];

interface SeedContext {
  tenantId: string;
  ownerId: string;
}

export interface Footprint {
  postgres: Record<string, number>;
  clickhouse: Record<string, number>;
  redis: number;
}

function hash(): string {
  return createHash('sha256').update(randomBytes(16)).digest('hex');
}

/** Every public table with a tenant_id column (partitions stand in their parent). */
export async function postgresTenantTables(db: Client): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

function clickhouse() {
  return createClient({
    url: process.env.CLICKHOUSE_URL,
    username: process.env.CLICKHOUSE_WRITER_USER,
    password: process.env.CLICKHOUSE_WRITER_PASSWORD,
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}

async function clickhouseTenantTables(): Promise<string[]> {
  const ch = clickhouse();
  try {
    const db = process.env.CLICKHOUSE_DATABASE!;
    const result = await ch.query({
      query: `SELECT table FROM system.columns WHERE database = '${db}' AND name = 'tenant_id'
                AND table IN (SELECT name FROM system.tables WHERE database = '${db}'
                               AND engine LIKE '%MergeTree') ORDER BY table`,
      format: 'JSONEachRow',
    });
    return (await result.json<{ table: string }>()).map((r) => r.table);
  } finally {
    await ch.close();
  }
}

function redis(): Redis {
  return new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
}

/** Where a test app keeps things: everything, or the embedded default (PostgreSQL only). */
export interface Places {
  clickhouse: boolean;
  redis: boolean;
}
const EVERYWHERE: Places = { clickhouse: true, redis: true };

/** Puts at least one row of the tenant in every tenant table of both stores, and Redis keys. */
export async function seedFootprint(
  tenantId: string,
  ownerId: string,
  places: Places = EVERYWHERE,
): Promise<void> {
  const db = await connectAs('owner');
  try {
    const tables = await postgresTenantTables(db);
    const unknown = tables.filter((table) => !(table in POSTGRES_SEEDERS));
    if (unknown.length > 0) {
      throw new Error(
        `tenant tables the purge tests do not seed yet: ${unknown.join(', ')} (teach test/support/tenant-footprint.ts)`,
      );
    }
    await db.query('BEGIN');
    await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    for (const table of tables) await POSTGRES_SEEDERS[table]?.(db, { tenantId, ownerId });
    await db.query('COMMIT');
  } finally {
    await db.end();
  }

  if (places.clickhouse) await seedClickHouse(tenantId);
  if (places.redis) await seedRedis(tenantId);
}

async function seedClickHouse(tenantId: string): Promise<void> {
  const chTables = await clickhouseTenantTables();
  const unknownCh = chTables.filter((table) => !CLICKHOUSE_TABLES.includes(table));
  if (unknownCh.length > 0 || chTables.length === 0) {
    throw new Error(
      `ClickHouse tenant tables not covered: ${unknownCh.join(', ') || '(none found)'}`,
    );
  }
  const ch = clickhouse();
  try {
    const now = new Date().toISOString();
    await ch.insert({
      table: `${process.env.CLICKHOUSE_DATABASE}.events`,
      format: 'JSONEachRow',
      values: [1, 2, 3].map((n) => ({
        tenant_id: tenantId,
        event_id: randomUUID(),
        timestamp: now,
        event_type: 'footprint',
        user_id: `u${n}`,
        session_id: `s${n}`,
        properties: '{}',
        received_at: now,
        stored_at: now,
      })),
    });
  } finally {
    await ch.close();
  }
}

async function seedRedis(tenantId: string): Promise<void> {
  const r = redis();
  try {
    const month = new Date().toISOString().slice(0, 7);
    for (const family of REDIS_FAMILIES(tenantId, month)) {
      await r.set(`tenantry:${process.env.DATABASE_NAME}:${family}`, '1', 'EX', 3600);
    }
  } finally {
    r.disconnect();
  }
}

/** The tenant's rows in every tenant table of both stores, and its Redis keys. */
export async function footprintOf(
  tenantId: string,
  places: Places = EVERYWHERE,
): Promise<Footprint> {
  const postgres: Record<string, number> = {};
  const db = await connectAs('owner');
  try {
    await db.query('BEGIN');
    await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    for (const table of await postgresTenantTables(db)) {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM public.${table} WHERE tenant_id = $1`,
        [tenantId],
      );
      postgres[table] = Number(rows[0].n);
    }
    await db.query('ROLLBACK');
  } finally {
    await db.end();
  }

  const clickhouseCounts: Record<string, number> = {};
  if (!places.clickhouse)
    return {
      postgres,
      clickhouse: clickhouseCounts,
      redis: places.redis ? await redisKeysOf(tenantId) : 0,
    };
  const ch = clickhouse();
  try {
    for (const table of await clickhouseTenantTables()) {
      const result = await ch.query({
        query: `SELECT count() AS n FROM ${process.env.CLICKHOUSE_DATABASE}.${table}
                 WHERE tenant_id = toUUID('${tenantId}')`,
        format: 'JSONEachRow',
      });
      clickhouseCounts[table] = Number((await result.json<{ n: string }>())[0].n);
    }
  } finally {
    await ch.close();
  }

  return {
    postgres,
    clickhouse: clickhouseCounts,
    redis: places.redis ? await redisKeysOf(tenantId) : 0,
  };
}

async function redisKeysOf(tenantId: string): Promise<number> {
  const r = redis();
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', `*${tenantId}*`, 'COUNT', 1000);
      cursor = next;
      keys += batch.length;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return keys;
}

/** True when every table and store holds something of the tenant. */
export function coversEverything(footprint: Footprint, places: Places = EVERYWHERE): boolean {
  return (
    Object.values(footprint.postgres).every((n) => n > 0) &&
    (!places.clickhouse ||
      (Object.keys(footprint.clickhouse).length > 0 &&
        Object.values(footprint.clickhouse).every((n) => n > 0))) &&
    (!places.redis || footprint.redis > 0)
  );
}

/** True when nothing of the tenant is left anywhere. */
export function isEmpty(footprint: Footprint): boolean {
  return (
    Object.values(footprint.postgres).every((n) => n === 0) &&
    Object.values(footprint.clickhouse).every((n) => n === 0) &&
    footprint.redis === 0
  );
}
