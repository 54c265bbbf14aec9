import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ConsumerMonitor } from '../ingestion/kafka/consumer.monitor';

/**
 * The ingestion consumer of this process, when it runs one: down when it is not running, or
 * when messages wait and it has committed nothing for CONSUMER_STALL_SECONDS.
 */
@Injectable()
export class IngestionConsumerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly monitor: ConsumerMonitor,
  ) {}

  get expected(): boolean {
    return this.monitor.expected;
  }

  async check() {
    const indicator = this.indicators.check('ingestion_consumer');
    const { healthy, ...details } = await this.monitor.status();
    return healthy ? indicator.up(details) : indicator.down(details);
  }
}
