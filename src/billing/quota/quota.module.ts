import { Module } from '@nestjs/common';
import { PlansModule } from '../plans/plans.module';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AuditModule } from '../../audit/audit.module';
import { UsageMeteringModule } from '../usage/usage-metering.module';
import { QuotaCounterStore } from './quota-counter.store';
import { QuotaWarningMarkersService } from './quota-warning-markers.service';
import { QuotaWarningsRepository } from './quota-warnings.repository';
import { QUOTA_FALLBACKS, QUOTA_OVERAGE, QUOTA_REFUSED, QuotaService } from './quota.service';

/** The monthly event quota, reserved in Redis at intake (see QuotaService). */
@Module({
  imports: [AuditModule, PlansModule, UsageMeteringModule],
  providers: [
    QuotaService,
    QuotaCounterStore,
    QuotaWarningsRepository,
    QuotaWarningMarkersService,
    makeCounterProvider({
      name: QUOTA_REFUSED,
      help: 'Events refused at intake because the tenant’s monthly quota was reached, by tier',
      labelNames: ['tier'],
    }),
    makeCounterProvider({
      name: QUOTA_OVERAGE,
      help: 'Events accepted past the monthly quota of an overage plan (billed as overage)',
    }),
    makeCounterProvider({
      name: QUOTA_FALLBACKS,
      help: 'Quota checks made without Redis (refuse-plans against usage_daily; overage-plans open)',
      labelNames: ['over_quota'],
    }),
  ],
  exports: [QuotaService, QuotaCounterStore],
})
export class QuotaModule {}
