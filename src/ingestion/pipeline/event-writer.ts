import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { Environment } from '../../config/environment';
import type { EventRow } from '../events/event-contract';
import { EVENT_STORE, type EventStore } from '../store/event-store';
import { UsageMeter } from './usage-meter';

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

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly usage: UsageMeter,
    @InjectMetric(EVENTS_STORED) private readonly stored: Counter<string>,
    @InjectMetric(STORE_WRITE_SECONDS) private readonly writeSeconds: Histogram<string>,
    @InjectMetric(STORE_WRITE_FAILURES) private readonly failures: Counter<string>,
    @InjectMetric(EVENT_TO_STORED_SECONDS) private readonly eventToStored: Histogram<string>,
    config: ConfigService<Environment, true>,
  ) {
    this.flushRows = config.get('INGESTION_FLUSH_ROWS', { infer: true });
    this.flushMs = config.get('INGESTION_FLUSH_MS', { infer: true });
  }

  onStored(listener: StoredListener): void {
    this.listeners.push(listener);
  }

  /** Resolves once these rows are in the store. */
  write(rows: EventRow[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the event writer is closed'));
    if (rows.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    for (const row of rows) this.buffer.push(row);
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
      const end = this.writeSeconds.startTimer({ store: this.store.kind });
      try {
        const result = await this.store.write(rows);
        end();
        this.stored.inc({ store: this.store.kind }, rows.length);
        for (const [tenantId, count] of result.perTenant) this.usage.add(tenantId, 'stored', count);
        const storedAt = Date.now();
        // From the API's acceptance (or the broker's timestamp) to queryable, sampled per batch.
        this.eventToStored.observe(
          { store: this.store.kind },
          (storedAt - rows[0].receivedAt.getTime()) / 1000,
        );
        for (const listener of this.listeners) listener(rows, storedAt);
        for (const waiter of waiters) waiter.resolve();
        if (attempt > 1) this.logger.log(`event store is back after ${attempt - 1} failed writes`);
        return;
      } catch (error) {
        this.failures.inc({ store: this.store.kind });
        if (this.closed) {
          for (const waiter of waiters) waiter.reject(error);
          return;
        }
        this.logger.warn(
          { err: error, rows: rows.length, attempt, retry_in_ms: delay },
          'event store write failed; retrying (nothing is committed past these events)',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
    }
  }

  /** Writes what is buffered and waits for every write in flight. */
  async drain(): Promise<void> {
    this.flushNow();
    await this.inFlight;
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
