import {
  billingPeriodOf,
  calculateInvoice,
  InvoiceInputError,
  mulDivRoundHalfUp,
  type PlanSegment,
} from './invoice-calculator';

const STARTER = {
  plan: 'starter',
  version: 1,
  priceCentsPerMonth: 9_900,
  eventsPerMonth: 1_000_000,
  overQuota: 'refuse' as const,
  overageCentsPer1000Events: 0,
};
const GROWTH = {
  plan: 'growth',
  version: 1,
  priceCentsPerMonth: 49_900,
  eventsPerMonth: 10_000_000,
  overQuota: 'overage' as const,
  overageCentsPer1000Events: 5,
};
const ENTERPRISE = {
  plan: 'enterprise',
  version: 1,
  priceCentsPerMonth: 249_900,
  eventsPerMonth: 100_000_000,
  overQuota: 'overage' as const,
  overageCentsPer1000Events: 3,
};

// November 2026: 30 days, 2,592,000 seconds.
const NOVEMBER = billingPeriodOf(new Date('2026-11-17T08:00:00Z'));
const day = (d: number) => new Date(Date.UTC(2026, 10, d));
const segment = (terms: typeof GROWTH | typeof STARTER, from: Date, until: Date): PlanSegment => ({
  ...terms,
  from,
  until,
});

describe('billing period', () => {
  it('is the UTC calendar month holding the instant', () => {
    expect(NOVEMBER.start.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(NOVEMBER.end.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    const december = billingPeriodOf(new Date('2026-12-31T23:59:59.999Z'));
    expect(december.end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('invoice arithmetic (integer cents)', () => {
  it('bills a whole month on one plan at its price, with nothing over', () => {
    const draft = calculateInvoice(NOVEMBER, [segment(GROWTH, day(1), day(31))], 10_000_000);
    expect(draft.lines).toHaveLength(1);
    expect(draft.totalCents).toBe(49_900);
    expect(draft.eventsIncluded).toBe(10_000_000);
    expect(draft.eventsOverage).toBe(0);
  });

  it('prorates a mid-period plan change by seconds, each line rounded half up', () => {
    // Starter for 10 days (1/3 of the month), growth for 20 (2/3).
    const draft = calculateInvoice(
      NOVEMBER,
      [segment(GROWTH, day(11), new Date('2027-01-01')), segment(STARTER, day(1), day(11))],
      0,
    );
    expect(draft.lines.map((line) => [line.plan, line.quantity, line.amountCents])).toEqual([
      ['starter', 864_000, 3_300], // 9,900 × 1/3 = 3,300 exactly
      ['growth', 1_728_000, 33_267], // 49,900 × 2/3 = 33,266.67 → 33,267
    ]);
    expect(draft.totalCents).toBe(36_567);
    // Included events prorated the same way: 333,333.33 → 333,333 and 6,666,666.67 → 6,666,667.
    expect(draft.eventsIncluded).toBe(7_000_000);
  });

  it('prices overage per 1,000 events at the plan rate, rounded once for the line', () => {
    const whole = [segment(GROWTH, day(1), day(31))];
    const at = (events: number) => calculateInvoice(NOVEMBER, whole, events);
    expect(at(10_000_001).totalCents).toBe(49_900); // 0.005 ¢ rounds to 0
    expect(at(10_000_100).lines[1].amountCents).toBe(1); // 0.5 ¢ rounds half up to 1
    expect(at(12_345_678).lines[1]).toMatchObject({
      kind: 'overage',
      quantity: 2_345_678,
      unitPriceCents: 5,
      amountCents: 11_728, // 11,728.39 ¢
    });
    expect(at(12_345_678).totalCents).toBe(49_900 + 11_728);
  });

  it('stays exact where floating point would drift', () => {
    const month = [{ ...ENTERPRISE, from: day(1), until: day(31) }];
    const draft = calculateInvoice(NOVEMBER, month, 100_000_000 + 3_000_000_333);
    // 3,000,000,333 × 3 / 1,000 = 9,000,000.999 → 9,000,001
    expect(draft.lines[1].amountCents).toBe(9_000_001);
    // 27,021,597,764,222,973 / 7 = 3,860,228,252,031,853.29: past 2^53 in the product, exact here.
    expect(mulDivRoundHalfUp(9_007_199_254_740_991, 3, 7)).toBe(3_860_228_252_031_853);
  });

  it('bills no overage when every plan of the period refuses past its quota', () => {
    const draft = calculateInvoice(NOVEMBER, [segment(STARTER, day(1), day(31))], 1_500_000);
    expect(draft.eventsOverage).toBe(500_000);
    expect(draft.lines.map((line) => line.kind)).toEqual(['base']);
    expect(draft.totalCents).toBe(9_900);
  });

  it('bills overage at the last overage plan after a downgrade to one that refuses', () => {
    const draft = calculateInvoice(
      NOVEMBER,
      [segment(GROWTH, day(1), day(16)), segment(STARTER, day(16), day(31))],
      9_000_000,
    );
    // Included: 5,000,000 (growth, half) + 500,000 (starter, half) = 5,500,000.
    expect(draft.eventsIncluded).toBe(5_500_000);
    expect(draft.lines[2]).toMatchObject({
      plan: 'growth',
      quantity: 3_500_000,
      amountCents: 17_500,
    });
  });

  it('clips segments to the period and drops the ones outside it', () => {
    const draft = calculateInvoice(
      NOVEMBER,
      [
        segment(STARTER, new Date('2026-09-01'), day(1)),
        segment(GROWTH, new Date('2026-10-15'), new Date('2027-03-01')),
      ],
      0,
    );
    expect(draft.lines).toHaveLength(1);
    expect(draft.lines[0]).toMatchObject({
      plan: 'growth',
      quantity: 2_592_000,
      amountCents: 49_900,
    });
  });

  it('refuses input it cannot bill', () => {
    expect(() => calculateInvoice(NOVEMBER, [], -1)).toThrow(InvoiceInputError);
    expect(() => calculateInvoice(NOVEMBER, [], 1.5)).toThrow(InvoiceInputError);
    expect(() => calculateInvoice({ start: day(1), end: day(1) }, [], 0)).toThrow(
      InvoiceInputError,
    );
    expect(() => mulDivRoundHalfUp(1, 2, 0)).toThrow(InvoiceInputError);
  });
});
