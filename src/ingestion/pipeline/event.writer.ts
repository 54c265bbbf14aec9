import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { Environment } from '../../config/environment';
import type { EventRow } from '../events/event-contract';
import { EVENT_STORE, type EventStore, type WriteResult } from '../store/event-store';
import { SinkUnavailableError } from './event-sink';
import { UsageMeter } from '../../billing/usage/usage.meter';
import { TenantHoldsStore } from '../../tenancy/scope/tenant-holds.store';

export const EVENTS_STORED = 'tenantry_events_stored_total';
export const STORE_WRITE_SECONDS = 'tenantry_event_store_write_seconds';
export const STORE_WRITE_FAILURES = 'tenantry_event_store_write_failures_total';
export const EVENT_TO_STORED_SECONDS = 'tenantry_event_to_stored_seconds';

/** Told about every batch once it is in the store (and so queryable): metrics, benchmarks. */
export type StoredListener = (rows: readonly EventRow[], storedAt: number) => void;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

const BACKOFF_START_MS = 200;
/** Rows waiting for the store beyond which new writes are refused (the API answers 503). */
const MAX_BUFFERED_ROWS = 200_000;

export const EVENTS_UNSTORABLE = 'tenantry_events_unstorable_total';

export type UnstorableHandler = (rows: EventRow[], error: unknown) => Promise<void>;
const BACKOFF_MAX_MS = 5_000;

/**
 * Group commit in front of the event store: callers (the consumer's partition batches, or the
 * in-process sink) hand over rows and wait; rows from concurrent callers go to the store
 * together once INGESTION_FLUSH_ROWS are buffered or INGESTION_FLUSH_MS after the first, in one
 * insert. A caller's promise resolves only after the insert holding its rows succeeded, so the
 * consumer commits offsets only past stored events.
 *
 * A failed insert is retried with backoff (200 ms doubling to 5 s) until it succeeds or the
 * writer closes; meanwhile waiting callers stay blocked, which pauses their partitions.
 */
@Injectable()
export class EventWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(EventWriter.name);
  private readonly flushRows: number;
  private readonly flushMs: number;
  private buffer: EventRow[] = [];
  private waiters: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly listeners: StoredListener[] = [];
  /** Awaited once a batch is stored, before its callers hear so (onStoredBeforeAck). */
  private readonly beforeAck: ((rows: readonly EventRow[]) => Promise<void>)[] = [];
  private unstorable?: UnstorableHandler;
  /** Rows handed over and not yet stored (buffered or being written). */
  private pending = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly usage: UsageMeter,
    @InjectMetric(EVENTS_STORED) private readonly stored: Counter<string>,
    @InjectMetric(STORE_WRITE_SECONDS) private readonly writeSeconds: Histogram<string>,
    @InjectMetric(STORE_WRITE_FAILURES) private readonly failures: Counter<string>,
    @InjectMetric(EVENT_TO_STORED_SECONDS) private readonly eventToStored: Histogram<string>,
    @InjectMetric(EVENTS_UNSTORABLE) private readonly unstorableTotal: Counter<string>,
    config: ConfigService<Environment, true>,
    /** Tenants being moved: their batches wait for the end of the hold (issue 18). */
    @Optional() private readonly holds?: TenantHoldsStore,
  ) {
    this.flushRows = config.get('INGESTION_FLUSH_ROWS', { infer: true });
    this.flushMs = config.get('INGESTION_FLUSH_MS', { infer: true });
  }

  onStored(listener: StoredListener): void {
    this.listeners.push(listener);
  }

  /**
   * Runs `hook` after each stored batch and before its callers are answered, so what they do
   * next already sees it (the analytics data versions, which invalidate cached answers). The
   * hook must not throw; it must be quick.
   */
  onStoredBeforeAck(hook: (rows: readonly EventRow[]) => Promise<void>): void {
    this.beforeAck.push(hook);
  }

  /** Where rows go that the store refuses for good (see writeIsolatingPoison). */
  onUnstorable(handler: UnstorableHandler): void {
    this.unstorable = handler;
  }

  /**
   * Resolves once these rows are in the store. Refused at once (SinkUnavailableError) when
   * MAX_BUFFERED_ROWS are already waiting, i.e. the store has been down a while.
   */
  write(rows: EventRow[]): Promise<void> {
    if (this.closed) return Promise.reject(new SinkUnavailableError('the event writer is closed'));
    if (rows.length === 0) return Promise.resolve();
    if (this.pending + rows.length > MAX_BUFFERED_ROWS) {
      return Promise.reject(new SinkUnavailableError('the event store is not keeping up'));
    }
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    for (const row of rows) this.buffer.push(row);
    this.pending += rows.length;
    if (this.buffer.length >= this.flushRows) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), this.flushMs);
    return done;
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    const waiters = this.waiters;
    this.buffer = [];
    this.waiters = [];
    // One insert at a time: the next batch gathers while this one is written.
    this.inFlight = this.inFlight.then(() => this.writeWithRetry(rows, waiters));
  }

  private async writeWithRetry(rows: EventRow[], waiters: Waiter[]): Promise<void> {
    let delay = BACKOFF_START_MS;
    for (let attempt = 1; ; attempt++) {
      let result: WriteResult;
      try {
        // A held tenant's rows wait (at most one hold TTL) and then go where it now lives; the
        // Kafka offsets stay uncommitted meanwhile, so nothing is lost if this copy dies.
        await this.holds?.waitWhileHeld(rows.map((row) => row.tenantId));
        const end = this.writeSeconds.startTimer({ store: this.store.kind });
        result = await this.writeIsolatingPoison(rows);
        end();
      } catch (error) {
        this.failures.inc({ store: this.store.kind });
        if (this.closed) {
          // Shutting down: give up; the callers never commit these offsets, so nothing is lost.
          this.pending -= rows.length;
          for (const waiter of waiters) waiter.reject(error);
          return;
        }
        this.logger.warn(
          { err: error, rows: rows.length, attempt, retry_in_ms: delay },
          'event store write failed; retrying (nothing is committed past these events)',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
        continue;
      }
      this.pending -= rows.length;
      for (const hook of this.beforeAck) await hook(rows).catch(() => undefined);
      for (const waiter of waiters) waiter.resolve();
      if (attempt > 1) this.logger.log(`event store is back after ${attempt - 1} failed writes`);
      this.afterStored(rows, result);
      return;
    }
  }

  /**
   * Writes a batch. When the store refuses it for a reason that would recur on every retry (a
   * value it cannot parse or hold), the batch is split until each bad row stands alone; the good
   * rows are stored and each bad one goes to the unstorable handler (the dead-letter topic),
   * so one row can never stop the pipeline for every tenant. Transient errors are thrown for
   * the caller to retry the whole batch.
   */
  private async writeIsolatingPoison(rows: EventRow[]): Promise<WriteResult> {
    try {
      return await this.store.write(rows);
    } catch (error) {
      if (!isPermanentStoreError(error)) throw error;
      if (rows.length === 1) {
        this.unstorableTotal.inc({ store: this.store.kind });
        this.logger.error(
          { err: error, tenant_id: rows[0].tenantId, event_id: rows[0].eventId },
          'the event store refuses this event for good; it goes to the dead-letter topic',
        );
        await this.unstorable?.(rows, error);
        return { written: 0, perTenant: new Map() };
      }
      const middle = rows.length >> 1;
      const first = await this.writeIsolatingPoison(rows.slice(0, middle));
      const second = await this.writeIsolatingPoison(rows.slice(middle));
      const perTenant = new Map(first.perTenant);
      for (const [tenantId, count] of second.perTenant) {
        perTenant.set(tenantId, (perTenant.get(tenantId) ?? 0) + count);
      }
      return { written: first.written + second.written, perTenant };
    }
  }

  /** Metrics, usage and listeners: outside the retry loop, so their failure never re-writes. */
  private afterStored(rows: EventRow[], result: WriteResult): void {
    try {
      this.stored.inc({ store: this.store.kind }, result.written);
      for (const [tenantId, count] of result.perTenant) this.usage.add(tenantId, 'stored', count);
      const storedAt = Date.now();
      // From the API's acceptance (or the broker's timestamp) to queryable, sampled per batch.
      this.eventToStored.observe(
        { store: this.store.kind },
        (storedAt - rows[0].receivedAt.getTime()) / 1000,
      );
      for (const listener of this.listeners) listener(rows, storedAt);
    } catch (error) {
      this.logger.error({ err: error }, 'after-store bookkeeping failed');
    }
  }

  /** Writes what is buffered and waits for every write in flight. */
  async drain(): Promise<void> {
    this.flushNow();
    await this.inFlight;
  }

  /**
   * Shutdown: write what is buffered now, and stop retrying a store that is down, so waiting
   * callers fail (their offsets stay uncommitted) instead of holding the process open.
   */
  stopRetrying(): void {
    this.closed = true;
    this.flushNow();
  }

  /** Flushes on shutdown; a store that stays down past 30 s fails the waiting callers instead. */
  async onApplicationShutdown(): Promise<void> {
    this.flushNow();
    await Promise.race([
      this.inFlight,
      new Promise((resolve) => setTimeout(resolve, 30_000).unref()),
    ]);
    this.closed = true;
  }
}

/**
 * A store error that retrying cannot cure: PostgreSQL data and integrity errors (SQLSTATE classes
 * 22 and 23, duplicate keys aside, which ON CONFLICT absorbs), ClickHouse parse and type errors,
 * and a row that cannot even be serialised (an invalid Date).
 */
export function isPermanentStoreError(error: unknown): boolean {
  if (error instanceof RangeError || error instanceof TypeError) return true;
  const sqlState = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  if (typeof sqlState === 'string') return /^2[23]/.test(sqlState) && sqlState !== '23505';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CLICKHOUSE_DATA_ERRORS.has(code);
}

/** CANNOT_PARSE_TEXT, _QUOTED_STRING, _INPUT_ASSERTION_FAILED, _DATE, _DATETIME, _NUMBER,
 * TYPE_MISMATCH, ARGUMENT_OUT_OF_BOUND, CANNOT_CONVERT_TYPE, INCORRECT_DATA, TOO_LARGE_STRING_SIZE. */
const CLICKHOUSE_DATA_ERRORS = new Set([
  '6',
  '26',
  '27',
  '38',
  '41',
  '72',
  '53',
  '69',
  '70',
  '117',
  '131',
]);
