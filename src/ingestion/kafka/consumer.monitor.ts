import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Consumer } from 'kafkajs';
import type { Counter, Gauge } from 'prom-client';
import type { Environment } from '../../config/environment';
import { ConsumerLagService } from './consumer-lag.service';

export const CONSUMER_UP = 'tenantry_ingestion_consumer_up';
export const CONSUMER_LAG = 'tenantry_ingestion_consumer_lag_messages';
export const CONSUMER_LAST_COMMIT = 'tenantry_ingestion_consumer_last_commit_timestamp_seconds';
export const CONSUMER_RESTARTS = 'tenantry_ingestion_consumer_restarts_total';

/** What /health says of the consumer. */
export interface ConsumerStatus {
  healthy: boolean;
  running: boolean;
  /** Messages on the topic the group has not committed past; null when it could not be read. */
  lag: number | null;
  /** Seconds since the last commit (or since the group was joined, when nothing was committed). */
  seconds_since_progress: number | null;
  restarts: number;
  reason?: string;
}

const LAG_CACHE_MS = 1_000;
const LAG_REFRESH_MS = 15_000;

/**
 * Watches the ingestion consumer of this process: running or not (kafkajs instrumentation
 * events), when it last committed, and the group's lag on the topic. A consumer that is not
 * running, or that has a backlog and has committed nothing for CONSUMER_STALL_SECONDS, is
 * unhealthy: that is how a stuck partition or a dead consumer shows on /health and in metrics.
 * The lag is read through the app copy's one admin connection (ConsumerLagService).
 */
@Injectable()
export class ConsumerMonitor implements OnModuleDestroy {
  private readonly log = new Logger(ConsumerMonitor.name);
  private watched?: { topic: string; groupId: string };
  private running = false;
  private progressAt = 0;
  private restarts = 0;
  private lastCrash?: string;
  private lagReadAt = 0;
  private lastLag: Promise<number | null> = Promise.resolve(null);
  private refresher?: NodeJS.Timeout;
  private readonly stallMs: number;

  constructor(
    private readonly lagReader: ConsumerLagService,
    config: ConfigService<Environment, true>,
    @InjectMetric(CONSUMER_UP) private readonly upGauge: Gauge<string>,
    @InjectMetric(CONSUMER_LAG) private readonly lagGauge: Gauge<string>,
    @InjectMetric(CONSUMER_LAST_COMMIT) private readonly lastCommitGauge: Gauge<string>,
    @InjectMetric(CONSUMER_RESTARTS) private readonly restartsTotal: Counter<string>,
  ) {
    this.stallMs = config.get('CONSUMER_STALL_SECONDS', { infer: true }) * 1000;
  }

  /** Whether this process runs a consumer at all (an API-only copy has nothing to report). */
  get expected(): boolean {
    return this.watched !== undefined;
  }

  /** Follows one consumer (a restarted one replaces the last). */
  watch(consumer: Consumer, topic: string, groupId: string): void {
    this.watched = { topic, groupId };
    const { GROUP_JOIN, COMMIT_OFFSETS, STOP, CRASH, DISCONNECT } = consumer.events;
    consumer.on(GROUP_JOIN, () => {
      this.running = true;
      this.progressAt = Date.now();
      this.upGauge.set(1);
    });
    consumer.on(COMMIT_OFFSETS, () => {
      this.progressAt = Date.now();
      this.lastCommitGauge.set(this.progressAt / 1000);
    });
    for (const event of [STOP, DISCONNECT]) {
      consumer.on(event, () => {
        this.running = false;
        this.upGauge.set(0);
      });
    }
    consumer.on(CRASH, ({ payload }) => {
      this.running = false;
      this.upGauge.set(0);
      this.lastCrash = payload.error?.message ?? String(payload.error);
    });
    this.refresher ??= setInterval(() => void this.readLag(true), LAG_REFRESH_MS).unref();
  }

  /** A restart of the consumer after a crash, by kafkajs or by the transport. */
  restarted(): void {
    this.restarts += 1;
    this.restartsTotal.inc();
  }

  async status(): Promise<ConsumerStatus> {
    const lag = await this.readLag(false);
    const sinceProgress = this.progressAt ? (Date.now() - this.progressAt) / 1000 : null;
    const base = {
      running: this.running,
      lag,
      seconds_since_progress: sinceProgress === null ? null : Math.round(sinceProgress),
      restarts: this.restarts,
    };
    if (!this.running) {
      return {
        ...base,
        healthy: false,
        reason: this.lastCrash ? `not running (last crash: ${this.lastCrash})` : 'not running',
      };
    }
    if (lag !== null && lag > 0 && sinceProgress !== null && sinceProgress * 1000 > this.stallMs) {
      return {
        ...base,
        healthy: false,
        reason: `${lag} messages waiting and no commit for ${Math.round(sinceProgress)} s`,
      };
    }
    return { ...base, healthy: true };
  }

  /** The group's lag over the topic's partitions, read at most once a second. */
  private readLag(fresh: boolean): Promise<number | null> {
    if (!this.watched || !this.lagReader.configured) return Promise.resolve(null);
    if (!fresh && Date.now() - this.lagReadAt < LAG_CACHE_MS) return this.lastLag;
    this.lagReadAt = Date.now();
    const { topic, groupId } = this.watched;
    this.lastLag = this.lagReader.read(topic, groupId).then(
      (partitions) => {
        let lag = 0;
        for (const [partition, behind] of partitions) {
          // Labelled by the watched consumer's own group and topic (the overflow consumer's too).
          this.lagGauge.set({ group: groupId, topic, partition: String(partition) }, behind);
          lag += behind;
        }
        return lag;
      },
      (error: unknown) => {
        this.log.warn({ err: error }, 'could not read the consumer group lag');
        return null;
      },
    );
    return this.lastLag;
  }

  onModuleDestroy(): void {
    clearInterval(this.refresher);
  }
}
