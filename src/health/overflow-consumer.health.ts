import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import {
  OVERFLOW_PIPELINE,
  type OverflowPipeline,
} from '../ingestion/overflow/overflow-pipeline.provider';

/** The overflow topic's consumer of this process, judged as the main one is (running, committing). */
@Injectable()
export class OverflowConsumerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(OVERFLOW_PIPELINE) private readonly overflow: OverflowPipeline,
  ) {}

  get expected(): boolean {
    return this.overflow.monitor.expected;
  }

  async check() {
    const indicator = this.indicators.check('ingestion_overflow_consumer');
    const { healthy, ...details } = await this.overflow.monitor.status();
    return healthy ? indicator.up(details) : indicator.down(details);
  }
}
