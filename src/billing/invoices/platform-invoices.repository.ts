import { Injectable } from '@nestjs/common';
import { ascending } from '../../database/placements/merged-order';
import { PlatformDatabase } from '../../database/platform.database';

/** One finalised invoice as platform_invoices() returns it (bigints as text). */
export interface PlatformInvoiceRow {
  tenant_id: string;
  slug: string;
  name: string;
  id: string;
  number: string;
  period_start: Date;
  period_end: Date;
  events_used: string;
  events_overage: string;
  total_cents: string;
  finalised_at: Date;
}

/**
 * Every tenant's invoices of one period, read through platform_invoices() (SECURITY DEFINER,
 * platform role only, migration 1763900000061) in every placement database; the app role reads
 * one tenant at a time.
 */
@Injectable()
export class PlatformInvoicesRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  /**
   * The period's invoices, largest first, at most `limit`. An unreachable placement fails the
   * list (503): an operator's list of invoices never leaves tenants out silently.
   */
  async forPeriod(periodStart: Date, limit: number): Promise<PlatformInvoiceRow[]> {
    const rows = await this.platform.queryEveryPlacement<PlatformInvoiceRow>(
      'SELECT * FROM platform_invoices($1, $2)',
      [periodStart.toISOString(), limit],
      { reader: 'platform_invoices', unreachable: 'fail' },
    );
    return rows
      .sort(
        (a, b) =>
          ascending(BigInt(b.total_cents), BigInt(a.total_cents)) ||
          ascending(a.tenant_id, b.tenant_id),
      )
      .slice(0, limit);
  }
}
