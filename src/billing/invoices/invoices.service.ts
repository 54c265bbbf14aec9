import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import type { Page, PageQuery } from '../../common/pagination';
import { ResourceNotFoundException } from '../../tenancy/scope/resource-not-found.exception';
import { TenantSettingsService } from '../../tenancy/settings/tenant-settings.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { termsOfPlan } from '../plans/plan.entity';
import { applyOverrides } from '../plans/plan-terms';
import { PlansRepository } from '../plans/plans.repository';
import { PlansService } from '../plans/plans.service';
import { UsageRepository } from '../usage/usage.repository';
import {
  billingPeriodOf,
  calculateInvoice,
  type InvoiceDraft,
  type PlanSegment,
} from './invoice-calculator';
import type { Invoice } from './invoice.entity';
import type { AdminInvoicesResponse } from './dto/admin-invoices.response';
import { InvoicesRepository } from './invoices.repository';
import { PlatformInvoicesRepository } from './platform-invoices.repository';

/** At most this many invoices in one /admin answer (the largest); its totals cover the same. */
export const ADMIN_INVOICES_LIMIT = 1000;

const day = (date: Date) => date.toISOString().slice(0, 10);

/** "ACME-00042": the tenant's slug and its gap-free sequence. */
export const invoiceNumber = (tenant: Tenant, sequence: number) =>
  `${tenant.slug.toUpperCase()}-${String(sequence).padStart(5, '0')}`;

/**
 * A tenant's invoices, always in its transaction (RLS): the draft of a period computed from its
 * plan periods and usage, the finalised (immutable, numbered) invoice of a closed period, and
 * the reads.
 *
 * Overrides: a tenant's contract overrides (tenant.planOverrides) are applied to every plan
 * segment as they stand when the invoice is calculated; their history is not kept, so an
 * override changed mid-period counts for the whole period (finalisation runs within 15 minutes
 * of the period's close, so that is the override of the period's end).
 */
@Injectable()
export class InvoicesService {
  constructor(
    private readonly invoices: InvoicesRepository,
    private readonly plansService: PlansService,
    private readonly plans: PlansRepository,
    private readonly usage: UsageRepository,
    private readonly settings: TenantSettingsService,
    private readonly audit: AuditService,
    private readonly platformInvoices: PlatformInvoicesRepository,
  ) {}

  /** The plan segments overlapping `period`, each with its version's terms and the overrides. */
  private async segments(tenant: Tenant, period: { start: Date; end: Date }) {
    const periods = await this.plansService.listPeriods();
    const segments: PlanSegment[] = [];
    for (const held of periods) {
      const until = held.effectiveUntil ?? period.end;
      if (until <= period.start || held.effectiveFrom >= period.end) continue;
      const plan = await this.plans.findById(held.planId);
      if (!plan) throw new Error(`Plan period ${held.id} names no plan version`);
      const terms = applyOverrides(termsOfPlan(plan), tenant.planOverrides ?? {});
      segments.push({
        plan: terms.plan,
        version: terms.version,
        from: held.effectiveFrom,
        until,
        priceCentsPerMonth: terms.priceCentsPerMonth,
        eventsPerMonth: terms.eventsPerMonth,
        overQuota: terms.overQuota,
        overageCentsPer1000Events: terms.overageCentsPer1000Events,
      });
    }
    return segments;
  }

  /**
   * The invoice of the period (calendar month, UTC) holding `at`, as it stands: the open plan
   * period runs to the period's end, events are those accepted over the period's UTC days.
   * Null when the tenant held no plan during the period.
   */
  async draft(tenant: Tenant, at: Date = new Date()): Promise<InvoiceDraft | null> {
    const period = billingPeriodOf(at);
    const segments = await this.segments(tenant, period);
    if (segments.length === 0) return null;
    const { accepted } = await this.usage.totals(day(period.start), day(period.end));
    return calculateInvoice(period, segments, accepted);
  }

  /** The current period's draft; 404 when the tenant holds no plan (never after provisioning). */
  async upcoming(tenant: Tenant, at: Date = new Date()): Promise<InvoiceDraft> {
    const draft = await this.draft(tenant, at);
    if (!draft) throw new NotFoundException('No plan this period, so no upcoming invoice');
    return draft;
  }

  /**
   * Finalises the period holding `periodStart` (idempotent: the existing invoice when there is
   * one). Null when the tenant held no plan during it. Audited when it creates the invoice.
   */
  async finalise(
    tenant: Tenant,
    periodStart: Date,
  ): Promise<{ invoice: Invoice; created: boolean } | null> {
    const existing = await this.invoices.findByPeriod(billingPeriodOf(periodStart).start);
    if (existing) return { invoice: existing, created: false };
    const draft = await this.draft(tenant, periodStart);
    if (!draft) return null;
    const { currency } = await this.settings.get();
    const result = await this.invoices.insertOnce(
      draft,
      (sequence) => invoiceNumber(tenant, sequence),
      currency,
    );
    if (result.created) {
      await this.audit.record({
        action: 'invoice.finalised',
        resourceType: 'invoice',
        resourceId: result.invoice.id,
        details: {
          number: result.invoice.number,
          period_start: draft.periodStart.toISOString(),
          total_cents: draft.totalCents,
        },
      });
    }
    return result;
  }

  /** Newest period first. */
  async list(query: PageQuery): Promise<Page<Invoice>> {
    const { data, total } = await this.invoices.page(query.limit, (query.page - 1) * query.limit);
    return { data, total, page: query.page, limit: query.limit };
  }

  async get(id: string): Promise<Invoice> {
    const invoice = await this.invoices.findById(id);
    if (!invoice) throw new ResourceNotFoundException('invoice', id);
    return invoice;
  }

  /** The tenant's display currency (settings), shown on the page for information. */
  async displayCurrency(): Promise<string | null> {
    return (await this.settings.get()).currency ?? null;
  }

  /** Platform: every tenant's invoice of `period` (YYYY-MM, validated), with totals. */
  async forPeriod(period: string): Promise<AdminInvoicesResponse> {
    const [year, month] = period.split('-').map(Number);
    const rows = await this.platformInvoices.forPeriod(
      new Date(Date.UTC(year, month - 1, 1)),
      ADMIN_INVOICES_LIMIT,
    );
    const data = rows.map((row) => ({
      tenant_id: row.tenant_id,
      slug: row.slug,
      name: row.name,
      id: row.id,
      number: row.number,
      period_start: row.period_start.toISOString(),
      period_end: row.period_end.toISOString(),
      events_used: Number(row.events_used),
      events_overage: Number(row.events_overage),
      total_cents: Number(row.total_cents),
      finalised_at: row.finalised_at.toISOString(),
    }));
    return {
      period,
      count: data.length,
      total_cents: data.reduce((sum, row) => sum + row.total_cents, 0),
      data,
    };
  }
}
