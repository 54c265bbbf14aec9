import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { InvoiceDraft } from './invoice-calculator';
import { Invoice } from './invoice.entity';

/** The current tenant's finalised invoices, in its transaction (RLS). */
@Injectable()
export class InvoicesRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get invoices() {
    return this.tenantContext.manager.getRepository(Invoice);
  }

  findById(id: string): Promise<Invoice | null> {
    return this.invoices.findOneBy({ id });
  }

  findByPeriod(periodStart: Date): Promise<Invoice | null> {
    return this.invoices.findOneBy({ periodStart });
  }

  /** Newest period first. */
  async page(limit: number, offset: number): Promise<{ data: Invoice[]; total: number }> {
    const [data, total] = await this.invoices.findAndCount({
      order: { periodStart: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { data, total };
  }

  /**
   * Writes the period's invoice unless one exists, numbered one past the tenant's last.
   * Serialised per tenant by a transaction-scoped advisory lock, so two finalisers (two
   * instances, or a run repeated) neither skip nor reuse a number; the unique key on
   * (tenant_id, period_start) is the last word if anything slipped past.
   * Returns the invoice and whether this call created it.
   */
  async insertOnce(
    draft: InvoiceDraft,
    numberOf: (sequence: number) => string,
    displayCurrency: string | null,
  ): Promise<{ invoice: Invoice; created: boolean }> {
    const { manager, tenantId } = this.tenantContext;
    await manager.query("SELECT pg_advisory_xact_lock(hashtext('invoice:' || $1))", [tenantId]);
    const existing = await this.findByPeriod(draft.periodStart);
    if (existing) return { invoice: existing, created: false };
    const [{ last }] = await manager.query<{ last: number }[]>(
      'SELECT coalesce(max(sequence_number), 0)::int AS last FROM invoices WHERE tenant_id = $1',
      [tenantId],
    );
    const sequenceNumber = last + 1;
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO invoices (tenant_id, sequence_number, number, period_start, period_end,
                             display_currency, lines, events_included, events_used,
                             events_overage, total_cents)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11)
       ON CONFLICT (tenant_id, period_start) DO NOTHING
       RETURNING id`,
      [
        tenantId,
        sequenceNumber,
        numberOf(sequenceNumber),
        draft.periodStart,
        draft.periodEnd,
        displayCurrency,
        JSON.stringify(draft.lines),
        draft.eventsIncluded,
        draft.eventsUsed,
        draft.eventsOverage,
        draft.totalCents,
      ],
    );
    const invoice = await (row ? this.findById(row.id) : this.findByPeriod(draft.periodStart));
    return { invoice: invoice!, created: Boolean(row) };
  }
}
