import { monthOf } from './quota.service';

describe('monthOf (the quota period: calendar month, UTC)', () => {
  it('starts on the first instant of the month and resets on the first of the next', () => {
    expect(monthOf(new Date('2026-11-29T23:59:59.999Z'))).toEqual({
      month: '2026-11',
      firstDay: '2026-11-01',
      resetsAt: new Date('2026-12-01T00:00:00.000Z'),
    });
  });

  it('rolls December over into January of the next year', () => {
    expect(monthOf(new Date('2026-12-31T12:00:00Z')).resetsAt.toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('is UTC whatever the offset the instant was written with', () => {
    expect(monthOf(new Date('2026-12-01T00:30:00+01:00')).month).toBe('2026-11');
  });
});
