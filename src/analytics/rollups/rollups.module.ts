import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AnalyticsStoreModule } from '../stores/analytics-store.module';
import { PostgresRollupRefresher, ROLLUP_DAYS_REFRESHED } from './postgres-rollup.refresher';
import { RollupJobProcessor } from './rollup-job.processor';
import { ROLLUP_QUEUE } from './rollup.job';
import { RollupJobScheduler } from './rollup-job.scheduler';
import { RollupTimer } from './rollup.timer';

/**
 * Keeps the PostgreSQL store's daily rollups current: a BullMQ repeatable job when Redis is
 * configured (one run per period across every app copy), an in-process timer otherwise.
 */
@Module({})
export class RollupsModule {
  static register(redisUrl: string | undefined, database: string): DynamicModule {
    const common = [
      PostgresRollupRefresher,
      makeCounterProvider({
        name: ROLLUP_DAYS_REFRESHED,
        help: 'Tenant days whose daily rollup was recomputed from raw events',
      }),
    ];
    if (!redisUrl) {
      return {
        module: RollupsModule,
        imports: [AnalyticsStoreModule],
        providers: [...common, RollupTimer],
        exports: [PostgresRollupRefresher],
      };
    }
    return {
      module: RollupsModule,
      imports: [
        AnalyticsStoreModule,
        // Options, not a client: BullMQ then owns its connections and closes them on shutdown.
        BullModule.forRoot({
          // Workers block on Redis; BullMQ requires unlimited retries per request for them.
          connection: { url: redisUrl, maxRetriesPerRequest: null },
          // Per database: deployments (and test runs) sharing a Redis never run each other's jobs.
          prefix: `bull:${database}`,
        }),
        BullModule.registerQueue({ name: ROLLUP_QUEUE }),
      ],
      providers: [...common, RollupJobScheduler, RollupJobProcessor],
      exports: [PostgresRollupRefresher, BullModule],
    };
  }
}
