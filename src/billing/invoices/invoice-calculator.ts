/**
 * The arithmetic of one invoice, in integer cents, with no I/O: what a tenant owes for one
 * billing period given the plan terms it held and for how long, and the events it sent.
 *
 * - The period is a calendar month in UTC, [start, end).
 * - Base price: each plan segment contributes its monthly price × its share of the period's
 *   seconds, rounded half up to a cent per line (a mid-month change bills both plans exactly
 *   for the seconds each was held).
 * - Included events: the segments' monthly quotas prorated the same way and added up.
 * - Overage: the events past the included amount, priced per 1,000 at the rate of the last
 *   segment whose plan bills overage (a plan that refuses past its quota never accepted them),
 *   rounded half up to a cent once for the whole line.
 */

export interface PlanSegment {
  plan: string;
  version: number;
  /** When the tenant moved onto this plan version (or the period start, if earlier). */
  from: Date;
  /** When it left it (or the period end, if later or still on it). */
  until: Date;
  priceCentsPerMonth: number;
  eventsPerMonth: number;
  overQuota: 'refuse' | 'overage';
  overageCentsPer1000Events: number;
}

export interface InvoiceLine {
  kind: 'base' | 'overage';
  description: string;
  plan: string;
  version: number;
  /** Base: seconds billed; overage: events billed. */
  quantity: number;
  /** Base: the monthly price; overage: the price per 1,000 events. */
  unitPriceCents: number;
  amountCents: number;
}

export interface InvoiceDraft {
  periodStart: Date;
  periodEnd: Date;
  currency: 'USD';
  lines: InvoiceLine[];
  eventsIncluded: number;
  eventsUsed: number;
  eventsOverage: number;
  totalCents: number;
}

export class InvoiceInputError extends Error {}

/** The calendar month (UTC) holding `at`: the billing period. */
export function billingPeriodOf(at: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { start, end };
}

/** a × b / c rounded half up, exact for the integers an invoice meets (BigInt, no float drift). */
export function mulDivRoundHalfUp(a: number, b: number, c: number): number {
  if (![a, b, c].every(Number.isSafeInteger) || a < 0 || b < 0 || c <= 0) {
    throw new InvoiceInputError('mulDivRoundHalfUp takes non-negative safe integers, c > 0');
  }
  const product = BigInt(a) * BigInt(b);
  const divisor = BigInt(c);
  return Number((product * 2n + divisor) / (divisor * 2n));
}

const seconds = (from: Date, until: Date) =>
  Math.max(0, Math.round((until.getTime() - from.getTime()) / 1000));

export function calculateInvoice(
  period: { start: Date; end: Date },
  segments: readonly PlanSegment[],
  eventsUsed: number,
): InvoiceDraft {
  const periodSeconds = seconds(period.start, period.end);
  if (periodSeconds === 0) throw new InvoiceInputError('the period is empty');
  if (!Number.isSafeInteger(eventsUsed) || eventsUsed < 0) {
    throw new InvoiceInputError('eventsUsed must be a non-negative integer');
  }
  // Clip each segment to the period; drop what falls outside it.
  const clipped = segments
    .map((segment) => ({
      ...segment,
      from: new Date(Math.max(segment.from.getTime(), period.start.getTime())),
      until: new Date(Math.min(segment.until.getTime(), period.end.getTime())),
    }))
    .filter((segment) => segment.until > segment.from)
    .sort((a, b) => a.from.getTime() - b.from.getTime());

  const lines: InvoiceLine[] = [];
  let eventsIncluded = 0;
  for (const segment of clipped) {
    const held = seconds(segment.from, segment.until);
    lines.push({
      kind: 'base',
      description: `${segment.plan} v${segment.version}, ${segment.from.toISOString()} to ${segment.until.toISOString()}`,
      plan: segment.plan,
      version: segment.version,
      quantity: held,
      unitPriceCents: segment.priceCentsPerMonth,
      amountCents: mulDivRoundHalfUp(segment.priceCentsPerMonth, held, periodSeconds),
    });
    eventsIncluded += mulDivRoundHalfUp(segment.eventsPerMonth, held, periodSeconds);
  }

  const eventsOverage = Math.max(0, eventsUsed - eventsIncluded);
  const billing = [...clipped].reverse().find((segment) => segment.overQuota === 'overage');
  if (eventsOverage > 0 && billing) {
    lines.push({
      kind: 'overage',
      description: `${eventsOverage} events over the ${eventsIncluded} included, per 1,000 at the ${billing.plan} rate`,
      plan: billing.plan,
      version: billing.version,
      quantity: eventsOverage,
      unitPriceCents: billing.overageCentsPer1000Events,
      amountCents: mulDivRoundHalfUp(eventsOverage, billing.overageCentsPer1000Events, 1000),
    });
  }
  return {
    periodStart: period.start,
    periodEnd: period.end,
    currency: 'USD',
    lines,
    eventsIncluded,
    eventsUsed,
    eventsOverage,
    totalCents: lines.reduce((sum, line) => sum + line.amountCents, 0),
  };
}
