import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import type { Environment } from '../config/environment';

/** Redis PING, when REDIS_URL is configured. One lazily connected client, closed on shutdown. */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private client?: Redis;
  readonly url?: string;

  constructor(
    private readonly indicators: HealthIndicatorService,
    config: ConfigService<Environment, true>,
  ) {
    this.url = config.get('REDIS_URL', { infer: true });
  }

  check() {
    return this.indicators
      .check('redis')
      .attempt(async () => {
        // No background reconnect loop: each check connects again if it has to.
        this.client ??= new Redis(this.url!, {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          retryStrategy: () => null,
        });
        if (this.client.status !== 'ready') {
          this.client.disconnect();
          await this.client.connect();
        }
        await this.client.ping();
      })
      .withTimeout(2000);
  }

  onModuleDestroy(): void {
    this.client?.disconnect();
  }
}
