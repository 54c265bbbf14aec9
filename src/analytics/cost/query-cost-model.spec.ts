import { estimateQueryCost } from './query-cost-model';

describe('estimateQueryCost', () => {
  it('charges per row read plus per second, times the kind', () => {
    // 1,000,000 rows = $1; 2 s = $0.00002.
    expect(estimateQueryCost('summary', 1_000_000, 2000)).toBeCloseTo(1.00002, 9);
    expect(estimateQueryCost('funnel', 1_000_000, 2000)).toBeCloseTo(2.00004, 9);
  });

  it('costs nothing for nothing read in no time, and rounds to a nano-dollar', () => {
    expect(estimateQueryCost('breakdown', 0, 0)).toBe(0);
    expect(estimateQueryCost('summary', 1, 0.01)).toBe(0.000001);
  });
});
