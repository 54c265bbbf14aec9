import { checkRange } from './range-limits';

const DAY = 86_400_000;
const now = Date.parse('2026-11-23T12:00:00Z');
const limits = { now, retentionDays: 90 };
const fields = (from: number, to: number) => checkRange(from, to, limits).map((e) => e.field);

describe('checkRange', () => {
  it('takes any range within the retention that ends at most a day ahead', () => {
    expect(fields(now - 90 * DAY, now)).toEqual([]);
    expect(fields(now - 89 * DAY, now + DAY)).toEqual([]);
    expect(fields(now - DAY, now - 1000)).toEqual([]);
  });

  it('names `to` past a day ahead, with the latest it may be', () => {
    const errors = checkRange(now - DAY, Date.parse('9999-12-31T00:00:00Z'), limits);
    expect(errors).toEqual([
      {
        field: 'to',
        message: 'to may be at most 1 day ahead; the latest is 2026-11-24T12:00:00.000Z',
      },
    ]);
    expect(fields(now - DAY, now + DAY + 1)).toEqual(['to']);
  });

  it('names `from` past the retention or not before `to`', () => {
    expect(fields(now - 90 * DAY - 1, now)).toEqual(['from']);
    expect(fields(now, now)).toEqual(['from']);
  });

  it('names `to` when the range is longer than the retention', () => {
    const errors = checkRange(now - 89.5 * DAY, now + 0.75 * DAY, limits);
    expect(errors).toEqual([
      {
        field: 'to',
        message: expect.stringMatching(/at most 90 days .*to is at most 2026-11-24T00:00:00.000Z/),
      },
    ]);
  });
});
