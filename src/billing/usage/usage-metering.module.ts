import { Module } from '@nestjs/common';
import { UsageMeter } from './usage.meter';
import { UsageRepository } from './usage.repository';

/**
 * Event counts per tenant per UTC day (`usage_daily`): the meter ingestion reports to, and the
 * repository billing reads. Ingestion depends on billing for it, never the reverse.
 */
@Module({
  providers: [UsageMeter, UsageRepository],
  exports: [UsageMeter, UsageRepository],
})
export class UsageMeteringModule {}
