import type { EventFilter } from '../query/analytics-query';
import { InvalidInputException } from '../../common/field-error';
import { MAX_RANGE_DAYS } from '../query/range-limits';
import { planAround, wholeDaysOf } from './rollup-plan';

const filter = (from: string, to: string, properties: [string, string][] = []): EventFilter => ({
  tenantId: '00000000-0000-4000-8000-000000000001',
  from: new Date(from),
  to: new Date(to),
  properties,
});

describe('rollup plan', () => {
  it('takes the whole UTC days inside the range and leaves both edges raw', () => {
    const f = filter('2026-11-01T15:30:00Z', '2026-11-05T06:00:00Z');
    const days = wholeDaysOf(f)!;
    expect(days).toEqual(['2026-11-02', '2026-11-03', '2026-11-04']);
    expect(planAround(f, days).raw).toEqual([
      { from: new Date('2026-11-01T15:30:00Z'), to: new Date('2026-11-02T00:00:00Z') },
      { from: new Date('2026-11-05T00:00:00Z'), to: new Date('2026-11-05T06:00:00Z') },
    ]);
  });

  it('has no raw edge when the range is whole days, and reads a stale day raw between them', () => {
    const f = filter('2026-11-01T00:00:00Z', '2026-11-04T00:00:00Z');
    expect(wholeDaysOf(f)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    expect(planAround(f, ['2026-11-01', '2026-11-02', '2026-11-03']).raw).toEqual([]);
    expect(planAround(f, ['2026-11-01', '2026-11-03']).raw).toEqual([
      { from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-11-03T00:00:00Z') },
    ]);
    expect(planAround(f, []).raw).toEqual([{ from: f.from, to: f.to }]);
  });

  it('reads raw events for short ranges and for property filters', () => {
    expect(wholeDaysOf(filter('2026-11-01T12:00:00Z', '2026-11-03T12:00:00Z'))).toBeNull();
    expect(
      wholeDaysOf(filter('2026-11-01T00:00:00Z', '2026-11-09T00:00:00Z', [['country', 'DE']])),
    ).toBeNull();
  });
});

/** The field errors a call is refused with, or null when it is not refused. */
function refusal(call: () => unknown): unknown {
  try {
    call();
    return null;
  } catch (error) {
    return error instanceof InvalidInputException ? error.errors : error;
  }
}

const BOUND = [{ field: 'to', message: 'a range may span at most 730 days' }];

describe('rollup plan bounds (issue 11, finding 1)', () => {
  it('refuses a range of more whole days than any plan keeps, before listing one', () => {
    const far = filter('2026-09-10T00:00:00Z', '9999-12-31T00:00:00Z');
    expect(refusal(() => wholeDaysOf(far))).toEqual(BOUND);
    const days = Array.from({ length: MAX_RANGE_DAYS + 1 }, (_, i) =>
      new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
    );
    expect(
      refusal(() => planAround(filter('2024-01-01T00:00:00Z', '2026-01-03T00:00:00Z'), days)),
    ).toEqual(BOUND);
  });

  it('never lists more days than the bound for the longest range a plan allows', () => {
    const longest = filter('2024-01-01T00:00:00.500Z', '2025-12-31T00:00:01Z');
    const days = wholeDaysOf(longest)!;
    expect(days.length).toBeLessThanOrEqual(MAX_RANGE_DAYS);
    expect(planAround(longest, days).days).toHaveLength(days.length);
  });
});
