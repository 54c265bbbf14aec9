import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClickHouseHealthIndicator } from './clickhouse.health';
import { HealthController } from './health.controller';
import { KafkaHealthIndicator } from './kafka.health';
import { RedisHealthIndicator } from './redis.health';

@Module({
  imports: [TerminusModule.forRoot({ gracefulShutdownTimeoutMs: 0 })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, KafkaHealthIndicator, ClickHouseHealthIndicator],
})
export class HealthModule {}
