import { Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type Redis from 'ioredis';
import { PlansModule } from '../../billing/plans/plans.module';
import { IngestionModule } from '../../ingestion/ingestion.module';
import {
  OVERFLOW_PIPELINE,
  type OverflowPipeline,
} from '../../ingestion/overflow/overflow-pipeline.provider';
import { EventWriter } from '../../ingestion/pipeline/event.writer';
import { DataVersionsStore } from '../cache/data-versions.store';
import { ResultCacheStore } from '../cache/result-cache.store';
import { AnalyticsStoreModule } from '../stores/analytics-store.module';
import { ANALYTICS_REDIS, analyticsRedisProvider } from './analytics-redis';
import {
  ANALYTICS_CACHE_LOOKUPS,
  ANALYTICS_QUERY_LIMIT_STOPS,
  ANALYTICS_QUERY_PRIORITIES,
  ANALYTICS_QUERY_REFUSALS,
  FairQueryService,
} from './fair-query.service';
import { BackgroundQueryRunner } from './background-query.runner';
import { FairQueryInterceptor } from './fair-query.interceptor';
import { QuerySlotsStore } from './query-slots.store';
import { ANALYTICS_QUERY_TURN_TIMEOUTS } from './fair-query.service';
import { ANALYTICS_QUERY_LEASES_LOST } from './query-slots.store';

/**
 * Fair analytics (README, "Fair analytics and the result cache"): each tenant's plan limits on
 * its analytics queries, and its result cache with the data versions that invalidate it. Both
 * event writers (the main consumer's and the overflow consumer's) bump the versions of each
 * stored batch's days before acknowledging it.
 */
@Module({
  imports: [PlansModule, IngestionModule, AnalyticsStoreModule],
  providers: [
    analyticsRedisProvider,
    QuerySlotsStore,
    DataVersionsStore,
    ResultCacheStore,
    FairQueryService,
    FairQueryInterceptor,
    BackgroundQueryRunner,
    makeCounterProvider({
      name: ANALYTICS_QUERY_REFUSALS,
      help: 'Analytics queries refused with 429 before running, by tier and reason',
      labelNames: ['tier', 'reason'],
    }),
    makeCounterProvider({
      name: ANALYTICS_QUERY_LIMIT_STOPS,
      help: 'Analytics queries stopped by a per-query limit (422/503), by limit and store',
      labelNames: ['limit', 'store'],
    }),
    makeCounterProvider({
      name: ANALYTICS_QUERY_PRIORITIES,
      help: 'Analytics queries run, by priority (normal: the tenant had none running; background: its 2nd+ at once) and store',
      labelNames: ['priority', 'store'],
    }),
    makeCounterProvider({
      name: ANALYTICS_CACHE_LOOKUPS,
      help: 'Analytics result cache lookups by route and result (hit, miss)',
      labelNames: ['route', 'result'],
    }),
    makeCounterProvider({
      name: ANALYTICS_QUERY_TURN_TIMEOUTS,
      help: 'PostgreSQL background analytics queries that waited past the tenant time per query for a turn (503, never run), by tier',
      labelNames: ['tier'],
    }),
    makeCounterProvider({
      name: ANALYTICS_QUERY_LEASES_LOST,
      help: 'Analytics query slot leases found gone when renewed (the query ran on uncounted)',
    }),
  ],
  exports: [FairQueryService, FairQueryInterceptor, DataVersionsStore],
})
export class FairAnalyticsModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly writer: EventWriter,
    @Inject(OVERFLOW_PIPELINE) private readonly overflow: OverflowPipeline,
    private readonly versions: DataVersionsStore,
    @Inject(ANALYTICS_REDIS) private readonly redis: Redis | undefined,
  ) {}

  onModuleInit(): void {
    for (const writer of [this.writer, this.overflow.writer]) {
      writer.onStoredBeforeAck((rows) => this.versions.bumpDays(rows));
    }
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
