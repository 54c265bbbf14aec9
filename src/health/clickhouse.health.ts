import { ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Environment } from '../config/environment';

/** ClickHouse /ping, when CLICKHOUSE_URL is configured. */
@Injectable()
export class ClickHouseHealthIndicator implements OnModuleDestroy {
  private client?: ClickHouseClient;
  readonly url?: string;

  constructor(
    private readonly indicators: HealthIndicatorService,
    config: ConfigService<Environment, true>,
  ) {
    this.url = config.get('CLICKHOUSE_URL', { infer: true });
  }

  check() {
    return this.indicators
      .check('clickhouse')
      .attempt(async () => {
        this.client ??= createClient({
          url: this.url,
          request_timeout: 2000,
          log: { level: ClickHouseLogLevel.OFF },
        });
        const result = await this.client.ping();
        if (!result.success) throw result.error;
      })
      .withTimeout(3000);
  }

  async onModuleDestroy(): Promise<void> {
    await this.client?.close().catch(() => undefined);
  }
}
