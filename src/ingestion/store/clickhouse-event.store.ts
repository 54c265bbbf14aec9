import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { currentQueryPriority } from '../../common/query-priority';
import { requestSignal } from '../../common/request-abort';
import type { EventRow } from '../events/event-contract';
import { type EventStore, type WriteResult } from './event-store';
import { clickhouseSchema } from '../../../migrations/clickhouse/schema';
import { awaitPendingMutations, mutateAndWait } from './clickhouse/mutations';
import { identifier, stringLiteral, uuidLiteral } from './clickhouse/sql-literal';

export interface ClickHouseUser {
  username: string;
  password?: string;
}

export interface ClickHouseUserDescription {
  connection: 'writer' | 'reader' | 'background_reader';
  user: string;
  /** Every setting the user's profile changed from the server's defaults. */
  settings: Record<string, string>;
}

/**
 * The event store on ClickHouse: one JSONEachRow insert per batch (every column sent: an omitted
 * field would get the type's empty value, not the DEFAULT). No RLS exists there, so every read
 * carries the tenant predicate, built from a checked UUID.
 *
 * Two users: the writer inserts and applies the schema; every read runs as the reader, a
 * readonly=1 user whose profile bounds each query's time, memory and rows read on the server.
 * Without a reader, reads fall back to the writer. A third, the background reader, is the reader
 * at a low server priority (`priority` 10 against the reader's 1): reads run in a background
 * priority (common/query-priority.ts: a tenant's 2nd+ analytics queries at once) use it, so the
 * server pauses them between blocks while anyone's normal read runs. Without it, the reader.
 */
export class ClickHouseEventStore implements EventStore {
  readonly kind = 'clickhouse' as const;
  private readonly logger = new Logger(ClickHouseEventStore.name);
  private readonly client: ClickHouseClient;
  private readonly reader: ClickHouseClient;
  private readonly backgroundReader: ClickHouseClient;
  private readonly db: string;

  constructor(
    url: string,
    database: string,
    private readonly users: {
      writer?: ClickHouseUser;
      reader?: ClickHouseUser;
      background_reader?: ClickHouseUser;
    } = {},
  ) {
    this.db = identifier(database);
    this.client = createClient({
      url,
      ...users.writer,
      request_timeout: 30_000,
      log: { level: ClickHouseLogLevel.OFF },
      // Both 18.16 and current servers read ISO timestamps with a zone this way.
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
    // No settings from the client: readonly=1 refuses any, and so no query can lift its limits
    // (response compression would send enable_http_compression, so it stays off).
    const readerClient = (user: ClickHouseUser) =>
      createClient({
        url,
        ...user,
        compression: { response: false, request: false },
        request_timeout: 60_000,
        log: { level: ClickHouseLogLevel.OFF },
      });
    this.reader = users.reader ? readerClient(users.reader) : this.client;
    this.backgroundReader =
      users.reader && users.background_reader
        ? readerClient(users.background_reader)
        : this.reader;
    if (!users.reader) {
      this.logger.warn(
        'CLICKHOUSE_READER_USER is not set: analytics reads run as the writer, without the read-only profile and its limits',
      );
    }
  }

  private prepared?: Promise<void>;

  /** Applies the schema once; a failure (server down at start) is retried on the next use. */
  prepare(): Promise<void> {
    this.prepared ??= this.applySchema().catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  private async applySchema(): Promise<void> {
    await this.command(`CREATE DATABASE IF NOT EXISTS ${this.db}`);
    await this.command(
      `CREATE TABLE IF NOT EXISTS ${this.db}.schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) ENGINE = TinyLog`,
    );
    const applied = new Set(
      (
        await this.readAs<{ version: number }>(
          this.client,
          `SELECT version FROM ${this.db}.schema_migrations`,
        )
      ).map((row) => Number(row.version)),
    );
    for (const step of clickhouseSchema(this.db)) {
      if (applied.has(step.version)) continue;
      await this.command(step.sql);
      await this.client.insert({
        table: `${this.db}.schema_migrations`,
        values: [{ version: step.version }],
        format: 'JSONEachRow',
      });
      this.logger.log(`applied ClickHouse schema step ${step.version}`);
    }
  }

  async write(rows: EventRow[]): Promise<WriteResult> {
    const perTenant = new Map<string, number>();
    if (rows.length === 0) return { written: 0, perTenant };
    await this.prepare();
    await this.client.insert({
      table: `${this.db}.events`,
      format: 'JSONEachRow',
      values: rows.map((row) => {
        perTenant.set(row.tenantId, (perTenant.get(row.tenantId) ?? 0) + 1);
        return {
          tenant_id: row.tenantId,
          event_id: row.eventId,
          timestamp: row.timestamp.toISOString(),
          event_type: row.eventType,
          user_id: row.userId,
          session_id: row.sessionId,
          properties: JSON.stringify(row.properties),
          received_at: row.receivedAt.toISOString(),
          stored_at: new Date().toISOString(),
        };
      }),
    });
    return { written: rows.length, perTenant };
  }

  async countEvents(tenantId: string, eventType?: string): Promise<number> {
    await this.prepare();
    const where = [`tenant_id = ${uuidLiteral(tenantId)}`];
    if (eventType !== undefined) where.push(`event_type = ${stringLiteral(eventType)}`);
    const rows = await this.select<{ n: string }>(
      `SELECT count() AS n FROM ${this.db}.events FINAL WHERE ${where.join(' AND ')}`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Tenant purge: every row of the tenant in every table of this database that has a tenant_id
   * column (events, the daily rollups, and whatever table is added later: the list comes from
   * system.columns), as one ALTER … DELETE per table, each awaited in system.mutations. Answers
   * the rows each table held before. Views hold no rows of their own and are skipped. Safe to
   * run again after an interruption.
   */
  async purgeTenant(tenantId: string): Promise<Record<string, number>> {
    await this.prepare();
    const tenant = uuidLiteral(tenantId);
    const tables = await this.readAs<{ table: string }>(
      this.client,
      // No JOIN: 18.16 wants ANY/ALL spelled out, current servers do not; IN runs on both.
      `SELECT table FROM system.columns
        WHERE database = ${stringLiteral(this.db)} AND name = 'tenant_id'
          AND table IN (SELECT name FROM system.tables
                         WHERE database = ${stringLiteral(this.db)} AND engine LIKE '%MergeTree')
        ORDER BY table`,
    );
    const removed: Record<string, number> = {};
    for (const { table } of tables) {
      const [row] = await this.readAs<{ n: string }>(
        this.client,
        `SELECT count() AS n FROM ${this.db}.${identifier(table)} WHERE tenant_id = ${tenant}`,
      );
      removed[table] = Number(row?.n ?? 0);
      const context = { tenant_id: tenantId, table };
      if (removed[table] > 0) {
        await mutateAndWait(this, table, `DELETE WHERE tenant_id = ${tenant}`, { context });
      } else {
        // Nothing left, but a mutation sent before an interruption may still be running.
        await awaitPendingMutations(this, table, tenantId.toLowerCase(), { context });
      }
    }
    return removed;
  }

  /**
   * The events table's bytes on disk per row, from the server's own statistics (its active
   * parts: compressed bytes over rows), for the storage estimate. Null while it holds no row.
   */
  async bytesPerRow(): Promise<number | null> {
    await this.prepare();
    const [row] = await this.readAs<{ bytes: string; rows: string }>(
      this.client,
      `SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows FROM system.parts
        WHERE active AND database = ${stringLiteral(this.db)} AND table = 'events'`,
    );
    const rows = Number(row?.rows ?? 0);
    return rows > 0 ? Number(row.bytes) / rows : null;
  }

  /** The database the events live in (system.mutations names it). */
  get database(): string {
    return this.db;
  }

  /**
   * Writes and mutations for the deletion paths (erasure, retention: clickhouse-event-deletion.ts),
   * which build SQL through sql-literal.ts, as the writer: the reader is readonly.
   */
  async writerCommand(query: string): Promise<void> {
    await this.prepare();
    await this.command(query);
  }

  /** Reads as the writer, for the deletion paths (system.mutations, counts before a delete). */
  async writerSelect<T>(query: string): Promise<T[]> {
    await this.prepare();
    return this.readAs<T>(this.client, query);
  }

  /** Reads for callers that build SQL through sql-literal.ts (analytics, tests), as the reader. */
  async select<T>(query: string): Promise<T[]> {
    return this.readAs<T>(this.readerNow(), query);
  }

  /** The reader of the running work's priority. */
  private readerNow(): ClickHouseClient {
    return currentQueryPriority() === 'background' ? this.backgroundReader : this.reader;
  }

  private async readAs<T>(client: ClickHouseClient, query: string): Promise<T[]> {
    const result = await client.query({ query, format: 'JSONEachRow' });
    return result.json<T>();
  }

  /**
   * A read with the server's own count of what it scanned. ClickHouse 18.16 sends no
   * X-ClickHouse-Summary header, but its JSON format ends with `statistics` (rows_read,
   * bytes_read), on every version.
   */
  async selectWithStatistics<T>(
    query: string,
  ): Promise<{ rows: T[]; rowsRead: number; bytesRead: number }> {
    const signal = requestSignal();
    const queryId = randomUUID();
    const reader = this.readerNow();
    const stopOnAbort = () => void this.cancel(reader, queryId);
    signal?.addEventListener('abort', stopOnAbort, { once: true });
    try {
      const result = await reader.query({
        query,
        format: 'JSON',
        query_id: queryId,
        abort_signal: signal,
      });
      const body = await result.json<T>();
      return {
        rows: body.data,
        rowsRead: Number(body.statistics?.rows_read ?? 0),
        bytesRead: Number(body.statistics?.bytes_read ?? 0),
      };
    } finally {
      signal?.removeEventListener('abort', stopOnAbort);
    }
  }

  /**
   * Stops a read whose client went away. Closing the HTTP connection is not enough: 18.16 runs
   * the query to its end regardless (newer servers only with
   * cancel_http_readonly_queries_on_client_close), so ask the server to kill it. A user may kill
   * its own queries, readonly or not.
   */
  private async cancel(reader: ClickHouseClient, queryId: string): Promise<void> {
    try {
      await reader.command({
        query: `KILL QUERY WHERE query_id = ${stringLiteral(queryId)} ASYNC`,
      });
    } catch (error) {
      this.logger.warn({ err: error, query_id: queryId }, 'could not cancel an abandoned read');
    }
  }

  /**
   * Who each connection is and what its profile sets (system.settings, changed ones), read as
   * that user: evidence for the isolation report. 18.16 has no system.users, so each user speaks
   * for itself.
   */
  async describeUsers(): Promise<ClickHouseUserDescription[]> {
    type Connection = [ClickHouseUserDescription['connection'], ClickHouseClient];
    const connections: Connection[] = [['writer', this.client]];
    if (this.reader !== this.client) connections.push(['reader', this.reader]);
    if (this.backgroundReader !== this.reader)
      connections.push(['background_reader', this.backgroundReader]);
    return Promise.all(
      connections.map(async ([connection, client]) => {
        const settings = await this.readAs<{ name: string; value: string }>(
          client,
          'SELECT name, value FROM system.settings WHERE changed ORDER BY name',
        );
        return {
          connection,
          user: this.users[connection]?.username ?? 'default',
          settings: Object.fromEntries(settings.map((s) => [s.name, s.value])),
        };
      }),
    );
  }

  /** The server's version, as the writer sees it. */
  async version(): Promise<string> {
    const [row] = await this.readAs<{ version: string }>(
      this.client,
      'SELECT version() AS version',
    );
    return row.version;
  }

  private async command(query: string): Promise<void> {
    await this.client.command({ query });
  }

  async close(): Promise<void> {
    await this.client.close();
    if (this.reader !== this.client) await this.reader.close();
    if (this.backgroundReader !== this.reader) await this.backgroundReader.close();
  }

  /** Nest calls this on shutdown for the instance its factory made. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
