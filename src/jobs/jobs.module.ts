import { Global, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { RedisRebuildRegistry } from './redis-rebuild.registry';
import { REDIS_REBUILDS, RedisRebuildService } from './redis-rebuild.service';
import { ScheduledJobRegistry } from './scheduled-job.registry';

/**
 * The registry every scheduled job (rollups, storage, invoices) adds itself to at boot, and the
 * rebuild of Redis's state after Redis comes back empty (steps added by the modules concerned).
 */
@Global()
@Module({
  providers: [
    ScheduledJobRegistry,
    RedisRebuildRegistry,
    RedisRebuildService,
    makeCounterProvider({
      name: REDIS_REBUILDS,
      help: 'Times Redis was found empty (epoch key gone) and its schedules and jobs were rebuilt',
    }),
  ],
  exports: [ScheduledJobRegistry, RedisRebuildRegistry, RedisRebuildService],
})
export class JobsModule {}
