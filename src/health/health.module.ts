import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClickHouseHealthIndicator } from './clickhouse.health';
import { HealthController } from './health.controller';
import { IngestionConsumerHealthIndicator } from './ingestion-consumer.health';
import { IngestionModule } from '../ingestion/ingestion.module';
import { KafkaHealthIndicator } from './kafka.health';
import { OverflowConsumerHealthIndicator } from './overflow-consumer.health';
import { RedisHealthIndicator } from './redis.health';
import { ScheduledJobsHealthIndicator } from './scheduled-jobs.health';
import { SilentTenantsModule } from './silent-tenants/silent-tenants.module';
import { TenantHealthModule } from './tenant-health/tenant-health.module';

@Module({
  imports: [
    TerminusModule.forRoot({ gracefulShutdownTimeoutMs: 0 }),
    IngestionModule,
    TenantHealthModule,
    SilentTenantsModule,
  ],
  controllers: [HealthController],
  providers: [
    RedisHealthIndicator,
    KafkaHealthIndicator,
    ClickHouseHealthIndicator,
    IngestionConsumerHealthIndicator,
    OverflowConsumerHealthIndicator,
    ScheduledJobsHealthIndicator,
  ],
})
export class HealthModule {}
