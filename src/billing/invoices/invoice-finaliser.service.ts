import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { TenantsService } from '../../tenancy/tenants.service';
import { billingPeriodOf } from './invoice-calculator';
import { InvoicesService } from './invoices.service';
import { isDeleted } from '../../tenancy/tenant.entity';

export const INVOICES_FINALISED = 'tenantry_invoices_finalised_total';

const PAGE = 100;

/** The period that closed last before `now`: the previous calendar month (UTC). */
export function previousPeriodStart(now: Date): Date {
  const current = billingPeriodOf(now).start;
  return new Date(Date.UTC(current.getUTCFullYear(), current.getUTCMonth() - 1, 1));
}

/**
 * Finalises one period's invoice for every tenant that has none yet, each in its own tenant
 * transaction. Idempotent: a tenant already invoiced for the period is left as it is, and two
 * runs at once (two app copies, a timer and a retry) are serialised per tenant by
 * InvoicesRepository.insertOnce. One tenant's failure is logged and does not stop the others;
 * the next run (15 minutes later) tries it again.
 */
@Injectable()
export class InvoiceFinaliserService {
  private readonly logger = new Logger(InvoiceFinaliserService.name);

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly moduleRef: ModuleRef,
    @InjectMetric(INVOICES_FINALISED) private readonly finalised: Counter<string>,
  ) {}

  // Looked up when the job runs, not imported (see StorageUsageRefresher): importing modules
  // with controllers from here would reorder the app's routes.
  private get tenants(): TenantsService {
    return this.moduleRef.get(TenantsService, { strict: false });
  }

  private get invoices(): InvoicesService {
    return this.moduleRef.get(InvoicesService, { strict: false });
  }

  /** Finalises the period starting `periodStart` (default: the one just ended). */
  async finaliseAll(
    periodStart: Date = previousPeriodStart(new Date()),
  ): Promise<{ created: number; existing: number; skipped: number; failed: number }> {
    const counts = { created: 0, existing: 0, skipped: 0, failed: 0 };
    const period = periodStart.toISOString().slice(0, 7);
    for (let page = 1; ; page += 1) {
      const batch = await this.tenants.list({ page, limit: PAGE });
      for (const tenant of batch.data) {
        if (isDeleted(tenant.status)) continue;
        try {
          const result = await this.tenantContext.runInTenant(tenant.id, () =>
            this.invoices.finalise(tenant, periodStart),
          );
          if (!result) {
            counts.skipped += 1;
          } else if (result.created) {
            counts.created += 1;
            this.finalised.inc();
            this.logger.log({
              msg: 'invoice finalised',
              tenant_id: tenant.id,
              period,
              number: result.invoice.number,
              total_cents: result.invoice.totalCents,
            });
          } else {
            counts.existing += 1;
          }
        } catch (error) {
          counts.failed += 1;
          this.logger.error(
            { err: error, tenant_id: tenant.id, period },
            'invoice finalise failed',
          );
        }
      }
      if (batch.data.length < PAGE || page * PAGE >= batch.total) break;
    }
    this.logger.log({ msg: 'invoices finalised', period, ...counts });
    return counts;
  }
}
