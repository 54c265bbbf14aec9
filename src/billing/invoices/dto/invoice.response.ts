import { ApiProperty } from '@nestjs/swagger';
import type { InvoiceDraft, InvoiceLine } from '../invoice-calculator';
import type { Invoice } from '../invoice.entity';

export class InvoiceLineResponse {
  @ApiProperty({ enum: ['base', 'overage'] })
  kind: 'base' | 'overage';

  @ApiProperty({ example: 'growth v1, 2026-03-10T00:00:00.000Z to 2026-04-01T00:00:00.000Z' })
  description: string;

  @ApiProperty({ example: 'growth' })
  plan: string;

  @ApiProperty({ example: 1 })
  version: number;

  @ApiProperty({ description: 'Base: seconds billed; overage: events billed', example: 1900800 })
  quantity: number;

  @ApiProperty({
    description: 'Base: the monthly price; overage: the price per 1,000 events (US cents)',
    example: 49900,
  })
  unit_price_cents: number;

  @ApiProperty({ description: 'US cents', example: 35408 })
  amount_cents: number;

  static from(line: InvoiceLine): InvoiceLineResponse {
    return {
      kind: line.kind,
      description: line.description,
      plan: line.plan,
      version: line.version,
      quantity: line.quantity,
      unit_price_cents: line.unitPriceCents,
      amount_cents: line.amountCents,
    };
  }
}

export class InvoiceResponse {
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Null on a draft' })
  id: string | null;

  @ApiProperty({ enum: ['draft', 'finalised'] })
  status: 'draft' | 'finalised';

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'ACME-00001',
    description: 'Null on a draft',
  })
  number: string | null;

  @ApiProperty({ format: 'date-time' })
  period_start: string;

  @ApiProperty({ format: 'date-time', description: 'Exclusive' })
  period_end: string;

  @ApiProperty({ example: 'USD', description: 'Invoices are always in US dollars' })
  currency: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'EUR',
    description: "The tenant's settings currency, for information only",
  })
  display_currency: string | null;

  @ApiProperty({ type: [InvoiceLineResponse] })
  lines: InvoiceLineResponse[];

  @ApiProperty({ description: "The plan segments' quotas, prorated by seconds" })
  events_included: number;

  @ApiProperty({ description: 'Events accepted over the period' })
  events_used: number;

  @ApiProperty()
  events_overage: number;

  @ApiProperty({ description: 'US cents' })
  total_cents: number;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Null on a draft',
  })
  finalised_at: string | null;

  static from(invoice: Invoice): InvoiceResponse {
    return {
      id: invoice.id,
      status: 'finalised',
      number: invoice.number,
      period_start: invoice.periodStart.toISOString(),
      period_end: invoice.periodEnd.toISOString(),
      currency: invoice.currency,
      display_currency: invoice.displayCurrency,
      lines: invoice.lines.map((line) => InvoiceLineResponse.from(line)),
      events_included: invoice.eventsIncluded,
      events_used: invoice.eventsUsed,
      events_overage: invoice.eventsOverage,
      total_cents: invoice.totalCents,
      finalised_at: invoice.finalisedAt.toISOString(),
    };
  }

  static fromDraft(draft: InvoiceDraft, displayCurrency: string | null): InvoiceResponse {
    return {
      id: null,
      status: 'draft',
      number: null,
      period_start: draft.periodStart.toISOString(),
      period_end: draft.periodEnd.toISOString(),
      currency: draft.currency,
      display_currency: displayCurrency,
      lines: draft.lines.map((line) => InvoiceLineResponse.from(line)),
      events_included: draft.eventsIncluded,
      events_used: draft.eventsUsed,
      events_overage: draft.eventsOverage,
      total_cents: draft.totalCents,
      finalised_at: null,
    };
  }
}

export class InvoicePageResponse {
  @ApiProperty({ type: [InvoiceResponse], description: 'Newest period first' })
  data: InvoiceResponse[];

  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
