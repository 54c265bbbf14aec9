import { Global, Module } from '@nestjs/common';
import { ScheduledJobRegistry } from './scheduled-job.registry';

/** The registry every scheduled job (rollups, storage, invoices) adds itself to at boot. */
@Global()
@Module({ providers: [ScheduledJobRegistry], exports: [ScheduledJobRegistry] })
export class JobsModule {}
