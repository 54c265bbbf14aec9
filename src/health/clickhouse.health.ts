import { ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Environment } from '../config/environment';
import { clickhouseClusterOf } from '../ingestion/store/clickhouse/clickhouse-cluster-settings';

/**
 * ClickHouse /ping, when CLICKHOUSE_URL is configured. On a cluster (CLICKHOUSE_CLUSTER), every
 * server's: each tenant's events live on one shard, so one server down is an outage for its
 * tenants. The answer lists each node (`nodes`: URL → up/down) and is down if any is.
 */
@Injectable()
export class ClickHouseHealthIndicator implements OnModuleDestroy {
  private clients?: ClickHouseClient[];
  readonly url?: string;
  private readonly nodeUrls?: readonly string[];

  constructor(
    private readonly indicators: HealthIndicatorService,
    config: ConfigService<Environment, true>,
  ) {
    this.url = config.get('CLICKHOUSE_URL', { infer: true });
    this.nodeUrls = clickhouseClusterOf({
      CLICKHOUSE_CLUSTER: config.get('CLICKHOUSE_CLUSTER', { infer: true }),
      CLICKHOUSE_NODE_URLS: config.get('CLICKHOUSE_NODE_URLS', { infer: true }),
    })?.nodeUrls;
  }

  check() {
    return this.indicators
      .check('clickhouse')
      .attempt(async () => {
        const urls = this.nodeUrls ?? [this.url!];
        this.clients ??= urls.map((url) =>
          createClient({ url, request_timeout: 2000, log: { level: ClickHouseLogLevel.OFF } }),
        );
        const pings = await Promise.all(this.clients.map((client) => client.ping()));
        if (!this.nodeUrls) {
          if (!pings[0].success) throw pings[0].error;
          return;
        }
        const nodes = Object.fromEntries(
          urls.map((url, i) => [url, pings[i].success ? 'up' : 'down']),
        );
        const down = urls.filter((_, i) => !pings[i].success);
        if (down.length > 0) throw new Error(`ClickHouse node(s) down: ${down.join(', ')}`);
        return { nodes };
      })
      .withTimeout(3000);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all((this.clients ?? []).map((client) => client.close().catch(() => undefined)));
  }
}
