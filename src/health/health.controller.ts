import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorFunction,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '../tenancy/scope/access-policy';
import { ClickHouseHealthIndicator } from './clickhouse.health';
import { IngestionConsumerHealthIndicator } from './ingestion-consumer.health';
import { KafkaHealthIndicator } from './kafka.health';
import { OverflowConsumerHealthIndicator } from './overflow-consumer.health';
import { RedisHealthIndicator } from './redis.health';
import { ScheduledJobsHealthIndicator } from './scheduled-jobs.health';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    private readonly clickhouse: ClickHouseHealthIndicator,
    private readonly consumer: IngestionConsumerHealthIndicator,
    private readonly jobs: ScheduledJobsHealthIndicator,
    private readonly overflowConsumer: OverflowConsumerHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: PostgreSQL always; Redis, Kafka, ClickHouse when configured; the ingestion consumer and the overflow consumer (hot tenants’ topic) when this process runs them (each running, committing while messages wait)',
  })
  check() {
    const checks: HealthIndicatorFunction[] = [
      () => this.postgres.pingCheck('postgres', { timeout: 2000 }),
    ];
    if (this.redis.url) checks.push(() => this.redis.check());
    if (this.kafka.brokers) checks.push(() => this.kafka.check());
    if (this.clickhouse.url) checks.push(() => this.clickhouse.check());
    if (this.consumer.expected) checks.push(() => this.consumer.check());
    if (this.overflowConsumer.expected) checks.push(() => this.overflowConsumer.check());
    return this.health.check(checks);
  }

  @Get('jobs')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Scheduled jobs (rollup refresh, storage estimate, invoice finaliser): schedule, next run, last success and failure, workers across the fleet; 503 when one has no worker, lost its schedule, is overdue or failed its last run. Not part of readiness.',
  })
  checkJobs() {
    return this.health.check([() => this.jobs.check()]);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status'],
      additionalProperties: false,
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
