import { Logger } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { currentQueryPriority } from '../../common/query-priority';
import { requestSignal } from '../../common/request-abort';
import type { EventRow } from '../events/event-contract';
import { type EventStore, type WriteResult } from './event-store';
import { type ClickHouseSchemaStep, clickhouseSchema } from '../../../migrations/clickhouse/schema';
import { awaitPendingMutations, mutateAndWait } from './clickhouse/mutations';
import { identifier, stringLiteral, uuidLiteral } from './clickhouse/sql-literal';
import { ClickHouseNode, type ClickHouseUsers, readAs } from './clickhouse/clickhouse-node';
import type { ClickHouseCluster, ClickHouseTarget } from './clickhouse/clickhouse-target';
import { shardOf } from './clickhouse/shard-of';
import { weekStart } from '../../analytics/stores/clean-weeks';

export type { ClickHouseUser } from './clickhouse/clickhouse-node';

/** Rows inserted per shard of a ClickHouse cluster (label `shard`, 1-based as system.clusters). */
export const CLICKHOUSE_SHARD_ROWS = 'tenantry_clickhouse_shard_rows_written_total';

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
 *
 * One store serves one target (clickhouse-target.ts): the single server, or a cluster
 * (CLICKHOUSE_CLUSTER, CLICKHOUSE_NODE_URLS) whose every server gets the schema. On a cluster
 * each tenant lives on one shard (shard-of.ts): its events are inserted straight into that
 * shard's local table, its mutations run there, and its reads go through the Distributed
 * tables (`readTable`) with the tenant's shard as the initiator, so the bulk of a read is local
 * and the server watching it (rows cap, KILL QUERY) is the one doing the work.
 */
export class ClickHouseEventStore implements EventStore {
  readonly kind = 'clickhouse' as const;
  private readonly logger = new Logger(ClickHouseEventStore.name);
  private readonly nodes: ClickHouseNode[];
  private readonly db: string;
  private readonly cluster?: string;
  private shardWritten?: (shard: number, rows: number) => void;

  constructor(
    url: string,
    database: string,
    private readonly users: ClickHouseUsers = {},
    /** A cluster: its servers in shard order (url is then the first's). Unset: one server. */
    cluster?: ClickHouseCluster,
  ) {
    this.db = identifier(database);
    if (cluster && cluster.nodeUrls.length === 0) throw new Error('a cluster needs node URLs');
    this.cluster = cluster ? identifier(cluster.name) : undefined;
    const urls = cluster ? cluster.nodeUrls : [url];
    this.nodes = urls.map((nodeUrl, shard) => new ClickHouseNode(nodeUrl, database, shard, users));
    if (!users.reader) {
      this.logger.warn(
        'CLICKHOUSE_READER_USER is not set: analytics reads run as the writer, without the read-only profile and its limits',
      );
    }
  }

  /** The (cluster, database) this store serves. */
  get target(): ClickHouseTarget {
    return { cluster: this.cluster ?? null, database: this.db };
  }

  /** Whether the store spans a cluster (reads go through the Distributed tables). */
  get clustered(): boolean {
    return this.cluster !== undefined;
  }

  /** Every server's URL, in shard order. */
  get nodeUrls(): string[] {
    return this.nodes.map((node) => node.url);
  }

  /** Called after each shard's insert of a batch (for the per-shard metric: skew shows there). */
  onShardWrite(listener: (shard: number, rows: number) => void): void {
    this.shardWritten = listener;
  }

  /** The server holding `tenantId`'s rows (the single server when not clustered). */
  nodeOf(tenantId: string): ClickHouseNode {
    return this.nodes[shardOf(tenantId, this.nodes.length)];
  }

  /** Every server: for what concerns all tenants (schema, purge, storage statistics). */
  get allNodes(): readonly ClickHouseNode[] {
    return this.nodes;
  }

  /**
   * The table reads of `table` go through: the Distributed table over every shard on a
   * cluster, else the table itself. Qualified with the database.
   */
  readTable(table: 'events' | 'events_daily'): string {
    return `${this.db}.${table}${this.clustered ? '_dist' : ''}`;
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
    if (this.cluster) await this.checkShardOrder(this.cluster);
    for (const node of this.nodes) await this.applySchemaOn(node);
  }

  /**
   * Each configured node must be the shard of its position in the server's cluster, and the
   * cluster must have as many shards as nodes: else the app's direct inserts and the
   * Distributed tables' own routing (and so FINAL's per-shard folding) would disagree.
   */
  private async checkShardOrder(cluster: string): Promise<void> {
    for (const node of this.nodes) {
      const [row] = await node.writerSelect<{ shards: string; local: string }>(
        `SELECT uniqExact(shard_num) AS shards, sumIf(shard_num, is_local) AS local
           FROM system.clusters WHERE cluster = ${stringLiteral(cluster)}`,
      );
      const [shards, local] = [Number(row?.shards ?? 0), Number(row?.local ?? 0)];
      if (shards !== this.nodes.length || local !== node.shard + 1) {
        throw new Error(
          `ClickHouse cluster ${cluster}: ${node.url} is shard ${local} of ${shards}, but CLICKHOUSE_NODE_URLS lists it as shard ${node.shard + 1} of ${this.nodes.length}`,
        );
      }
    }
  }

  private async applySchemaOn(node: ClickHouseNode): Promise<void> {
    await node.writerCommand(`CREATE DATABASE IF NOT EXISTS ${this.db}`);
    await node.writerCommand(
      `CREATE TABLE IF NOT EXISTS ${this.db}.schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) ENGINE = TinyLog`,
    );
    const applied = async () =>
      new Set(
        (
          await node.writerSelect<{ version: number }>(
            `SELECT version FROM ${this.db}.schema_migrations`,
          )
        ).map((row) => Number(row.version)),
      );
    let done = await applied();
    for (const step of clickhouseSchema(this.db, this.cluster)) {
      if (done.has(step.version)) continue;
      // Read again before a step that is due: another app copy may have applied it meanwhile (a
      // copy of events takes minutes), and a step must not run after the ones that follow it.
      done = await applied();
      if (done.has(step.version)) continue;
      if (!(await this.tookEffect(node, step))) await node.maintenanceCommand(step.sql);
      // applied_at spelled out: 18.16 fills a column a JSON row leaves out with zero, not its
      // DEFAULT, and steps 14 and 17 read when steps 10 and 11 ran.
      await node.writerCommand(
        `INSERT INTO ${this.db}.schema_migrations (version, applied_at) VALUES (${step.version}, now())`,
      );
      this.logger.log(`applied ClickHouse schema step ${step.version} on ${node.url}`);
    }
  }

  private async tookEffect(node: ClickHouseNode, step: ClickHouseSchemaStep): Promise<boolean> {
    if (step.appliedWhen === undefined) return false;
    const [row] = await node.writerSelect<{ applied: string | number }>(step.appliedWhen);
    return Number(row?.applied ?? 0) > 0;
  }

  /**
   * One insert per shard the batch touches, into that shard's local table, at once. All land
   * or the batch throws: the writer retries the whole batch and the shards that had it fold the
   * repeat (ReplacingMergeTree on (tenant, day, event id)), as for any retried batch. Not
   * through events_dist: a Distributed insert on 18.16 is queued on the initiator's disk and
   * sent later (insert_distributed_sync=0), so "stored" would not yet be true.
   */
  async write(rows: EventRow[]): Promise<WriteResult> {
    const perTenant = new Map<string, number>();
    if (rows.length === 0) return { written: 0, perTenant };
    await this.prepare();
    const perShard = new Map<ClickHouseNode, Record<string, string>[]>();
    const storedAt = new Date().toISOString();
    for (const row of rows) {
      perTenant.set(row.tenantId, (perTenant.get(row.tenantId) ?? 0) + 1);
      const node = this.nodeOf(row.tenantId);
      let values = perShard.get(node);
      if (!values) perShard.set(node, (values = []));
      values.push({
        tenant_id: row.tenantId,
        event_id: row.eventId,
        timestamp: row.timestamp.toISOString(),
        event_type: row.eventType,
        user_id: row.userId,
        session_id: row.sessionId,
        properties: JSON.stringify(row.properties),
        received_at: row.receivedAt.toISOString(),
        stored_at: storedAt,
      });
    }
    await Promise.all(
      [...perShard].map(async ([node, values]) => {
        await node.writer.insert({ table: `${this.db}.events`, format: 'JSONEachRow', values });
        this.shardWritten?.(node.shard, values.length);
      }),
    );
    return { written: rows.length, perTenant };
  }

  async countEvents(tenantId: string, eventType?: string): Promise<number> {
    await this.prepare();
    const where = [`tenant_id = ${uuidLiteral(tenantId)}`];
    if (eventType !== undefined) where.push(`event_type = ${stringLiteral(eventType)}`);
    const rows = await this.select<{ n: string }>(
      `SELECT count() AS n FROM ${this.readTable('events')} FINAL WHERE ${where.join(' AND ')}`,
      tenantId,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Tenant purge: every row of the tenant in every table of this database that has a tenant_id
   * column (events, the daily rollups, and whatever table is added later: the list comes from
   * system.columns), as one ALTER … DELETE per table, each awaited in system.mutations. Answers
   * the rows each table held before. Views and Distributed tables hold no rows of their own and
   * are skipped. Safe to run again after an interruption. On a cluster, on every server: the
   * tenant's rows belong on its shard alone, but a purge promises none left anywhere.
   */
  async purgeTenant(tenantId: string): Promise<Record<string, number>> {
    await this.prepare();
    const removed: Record<string, number> = {};
    for (const node of this.nodes) {
      for (const [table, rows] of Object.entries(await this.purgeTenantOn(node, tenantId))) {
        removed[table] = (removed[table] ?? 0) + rows;
      }
    }
    return removed;
  }

  private async purgeTenantOn(
    node: ClickHouseNode,
    tenantId: string,
  ): Promise<Record<string, number>> {
    const tenant = uuidLiteral(tenantId);
    const tables = await node.writerSelect<{ table: string }>(
      // No JOIN: 18.16 wants ANY/ALL spelled out, current servers do not; IN runs on both.
      `SELECT table FROM system.columns
        WHERE database = ${stringLiteral(this.db)} AND name = 'tenant_id'
          AND table IN (SELECT name FROM system.tables
                         WHERE database = ${stringLiteral(this.db)} AND engine LIKE '%MergeTree')
        ORDER BY table`,
    );
    const removed: Record<string, number> = {};
    for (const { table } of tables) {
      const [row] = await node.writerSelect<{ n: string }>(
        `SELECT count() AS n FROM ${this.db}.${identifier(table)} WHERE tenant_id = ${tenant}`,
      );
      removed[table] = Number(row?.n ?? 0);
      const context = { tenant_id: tenantId, table, node: node.url };
      if (removed[table] > 0) {
        await mutateAndWait(node, table, `DELETE WHERE tenant_id = ${tenant}`, { context });
      } else {
        // Nothing left, but a mutation sent before an interruption may still be running.
        await awaitPendingMutations(node, table, tenantId.toLowerCase(), { context });
      }
    }
    return removed;
  }

  /**
   * The events table's bytes on disk per row, from the servers' own statistics (their active
   * parts: compressed bytes over rows, summed over a cluster's servers), for the storage
   * estimate. Null while it holds no row.
   */
  async bytesPerRow(): Promise<number | null> {
    await this.prepare();
    let [bytes, rows] = [0, 0];
    for (const node of this.nodes) {
      const [row] = await node.writerSelect<{ bytes: string; rows: string }>(
        `SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows FROM system.parts
          WHERE active AND database = ${stringLiteral(this.db)} AND table = 'events'`,
      );
      bytes += Number(row?.bytes ?? 0);
      rows += Number(row?.rows ?? 0);
    }
    return rows > 0 ? bytes / rows : null;
  }

  /**
   * The closed UTC weeks (their Mondays, 'YYYY-MM-DD') from `from` to `to` whose partition of
   * events is one merged part on the tenant's server: the compaction job's work
   * (analytics/compaction), where no event is stored twice, so a count there needs no FINAL. A
   * part of level 0 is an insert's block, which 18.16 does not fold; any merge does. The week in
   * progress is never clean: its next insert may come at any moment, whatever its parts now.
   * Read as the reader; if the server cannot say, no week is clean (FINAL everywhere: slower,
   * never wrong).
   */
  async cleanWeeks(tenantId: string, from: Date, to: Date, now = new Date()): Promise<Set<string>> {
    const id = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10).replace(/-/g, '');
    try {
      const rows = await this.select<{ week: string }>(
        `SELECT partition_id AS week FROM system.parts
          WHERE active AND database = ${stringLiteral(this.db)} AND table = 'events'
            AND partition_id >= ${stringLiteral(id(weekStart(from.getTime())))}
            AND partition_id <= ${stringLiteral(id(to.getTime()))}
            AND partition_id < ${stringLiteral(id(weekStart(now.getTime())))}
          GROUP BY partition_id HAVING count() = 1 AND min(level) > 0`,
        tenantId,
      );
      return new Set(
        rows.map(({ week }) => `${week.slice(0, 4)}-${week.slice(4, 6)}-${week.slice(6, 8)}`),
      );
    } catch (error) {
      this.logger.warn(
        { err: error, tenant_id: tenantId },
        'could not list clean weeks; counting with FINAL',
      );
      return new Set();
    }
  }

  /** The database the events live in (system.mutations names it). */
  get database(): string {
    return this.db;
  }

  /**
   * Writes and mutations for the deletion paths (erasure, retention: clickhouse-event-deletion.ts),
   * which build SQL through sql-literal.ts, as the writer: the reader is readonly. On the
   * tenant's server when one is named, else the first (the single server's).
   */
  async writerCommand(query: string, tenantId?: string): Promise<void> {
    await this.prepare();
    await this.nodeFor(tenantId).writerCommand(query);
  }

  /** Reads as the writer, for the deletion paths (system.mutations, counts before a delete). */
  async writerSelect<T>(query: string, tenantId?: string): Promise<T[]> {
    await this.prepare();
    return this.nodeFor(tenantId).writerSelect<T>(query);
  }

  /**
   * Reads for callers that build SQL through sql-literal.ts (analytics, tests), as the reader,
   * on the tenant's server when one is named (the initiator of a cluster read), else the first.
   */
  async select<T>(query: string, tenantId?: string): Promise<T[]> {
    return readAs<T>(this.readerNow(this.nodeFor(tenantId)), query);
  }

  private nodeFor(tenantId: string | undefined): ClickHouseNode {
    return tenantId === undefined ? this.nodes[0] : this.nodeOf(tenantId);
  }

  /** The node's reader of the running work's priority. */
  private readerNow(node: ClickHouseNode): ClickHouseClient {
    return currentQueryPriority() === 'background' ? node.backgroundReader : node.reader;
  }

  /**
   * A read with the server's own count of what it scanned. ClickHouse 18.16 sends no
   * X-ClickHouse-Summary header, but its JSON format ends with `statistics` (rows_read,
   * bytes_read), on every version; through a Distributed table, the initiator's figure counts
   * every shard's rows (measured on 18.16: clickhouse-cluster.e2e-spec.ts).
   */
  async selectWithStatistics<T>(
    query: string,
    tenantId?: string,
  ): Promise<{ rows: T[]; rowsRead: number; bytesRead: number }> {
    const signal = requestSignal();
    const queryId = randomUUID();
    const reader = this.readerNow(this.nodeFor(tenantId));
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
   * its own queries, readonly or not. On a cluster the initiator's kill ends its shard queries.
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
   * for itself. The first server's (a cluster's servers share one users.xml template).
   */
  async describeUsers(): Promise<ClickHouseUserDescription[]> {
    const node = this.nodes[0];
    type Connection = [ClickHouseUserDescription['connection'], ClickHouseClient];
    const connections: Connection[] = [['writer', node.writer]];
    if (node.reader !== node.writer) connections.push(['reader', node.reader]);
    if (node.backgroundReader !== node.reader)
      connections.push(['background_reader', node.backgroundReader]);
    return Promise.all(
      connections.map(async ([connection, client]) => {
        const settings = await readAs<{ name: string; value: string }>(
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

  /** The server's version, as the writer sees it (the first server's). */
  async version(): Promise<string> {
    const [row] = await this.nodes[0].writerSelect<{ version: string }>(
      'SELECT version() AS version',
    );
    return row.version;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.close()));
  }

  /** Nest calls this on shutdown for the instance its factory made. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
