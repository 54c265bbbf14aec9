import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Counter } from 'prom-client';
import type { Environment } from '../../../config/environment';
import { isUuid } from '../../../common/uuid';
import { CredentialCacheStore } from './credential-cache.store';

export const CREDENTIAL_INVALIDATIONS = 'tenantry_credential_cache_invalidations_total';

/** How long boot waits for the first subscription before serving uncached. */
const SUBSCRIBE_WAIT_MS = 2_000;
/** A publish attempt that Redis does not take within this has failed. */
const PUBLISH_TIMEOUT_MS = 500;
/** The waits before the 2nd and 3rd attempts: a reconnect takes milliseconds. */
const PUBLISH_RETRY_DELAYS_MS = [50, 200];

/**
 * Keeps every app copy's CredentialCacheStore in step: a change to a tenant's credentials or
 * state (a key revoked, a user disabled, deleted or given another role, the tenant suspended,
 * deleted, restored, moved to another plan or given overrides) calls `tenantChanged`, which
 * forgets the tenant here at once and publishes it on a Redis channel of this database
 * (`tenantry:<DATABASE_NAME>:credential-invalidation`) that every copy subscribes to.
 *
 * Redis configured but the subscription down (at boot, or lost): the store is bypassed until
 * it is back, and everything is forgotten then, so no message missed meanwhile can leave a stale
 * answer. A publish is tried three times within about a quarter second; when none gets through,
 * this copy serves uncached for one TTL (logged, counted): the other copies cannot be told, and
 * serve the old answer for at most CREDENTIAL_CACHE_TTL_SECONDS. No Redis configured: one app
 * copy (the embedded setup), invalidated in-process only.
 */
@Injectable()
export class CredentialInvalidationListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CredentialInvalidationListener.name);
  private readonly channel: string;
  private readonly url?: string;
  /** Skips this copy's own messages (it has already dropped the tenant). */
  private readonly origin = randomUUID();
  private subscriber?: Redis;
  private publisher?: Redis;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly store: CredentialCacheStore,
    @InjectMetric(CREDENTIAL_INVALIDATIONS) private readonly invalidations: Counter<string>,
  ) {
    this.channel = `tenantry:${config.get('DATABASE_NAME', { infer: true })}:credential-invalidation`;
    this.url = config.get('REDIS_URL', { infer: true });
  }

  async onModuleInit(): Promise<void> {
    if (!this.url || !this.store.enabled) return;
    this.store.setShared(false);
    const options = { connectTimeout: 2_000, maxRetriesPerRequest: 1 };
    this.publisher = new Redis(this.url, {
      ...options,
      enableOfflineQueue: false,
      commandTimeout: PUBLISH_TIMEOUT_MS,
    });
    this.publisher.on('error', () => undefined);
    const subscriber = new Redis(this.url, options);
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    subscriber.on('close', () => this.store.setShared(false));
    subscriber.on('error', (error: Error) => {
      this.store.setShared(false);
      this.logger.warn(`credential invalidation channel down, cache bypassed: ${error.message}`);
    });
    const subscribed = new Promise<void>((resolve) => {
      subscriber.on('ready', () => {
        subscriber.subscribe(this.channel).then(
          () => {
            // Anything missed while down is forgotten by setShared(true).
            this.store.setShared(true);
            resolve();
          },
          (error: Error) => this.logger.warn(`could not subscribe: ${error.message}`),
        );
      });
    });
    await Promise.race([
      subscribed,
      new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref()),
    ]);
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }

  /** Forgets the tenant's cached credentials and row here, and on every other copy. */
  async tenantChanged(tenantId: string): Promise<void> {
    this.store.dropTenant(tenantId);
    this.invalidations.inc({ source: 'local' });
    if (!this.publisher || !this.store.enabled) return;
    const message = JSON.stringify({ tenant_id: tenantId, origin: this.origin });
    let failure: unknown;
    for (let attempt = 0; attempt <= PUBLISH_RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await delay(PUBLISH_RETRY_DELAYS_MS[attempt - 1]);
      try {
        await this.publisher.publish(this.channel, message);
        return;
      } catch (error) {
        failure = error;
      }
    }
    this.invalidations.inc({ source: 'publish_failed' });
    this.store.bypassForOneTtl();
    this.logger.warn({
      msg: 'could not announce a credential change: this copy serves uncached for one cache TTL; other copies catch up within it',
      tenant_id: tenantId,
      attempts: PUBLISH_RETRY_DELAYS_MS.length + 1,
      err: (failure as Error).message,
    });
  }

  private receive(message: string): void {
    let parsed: { tenant_id?: unknown; origin?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.origin === this.origin || !isUuid(parsed.tenant_id)) return;
    this.store.dropTenant(parsed.tenant_id);
    this.invalidations.inc({ source: 'remote' });
  }
}
