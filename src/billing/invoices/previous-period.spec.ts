import { previousPeriodStart } from './invoice-finaliser.service';

describe('previousPeriodStart', () => {
  it('is the first instant of the calendar month (UTC) before the one holding now', () => {
    expect(previousPeriodStart(new Date('2026-03-15T10:00:00Z')).toISOString()).toBe(
      '2026-02-01T00:00:00.000Z',
    );
    // Just after a period closes: the one that just closed.
    expect(previousPeriodStart(new Date('2026-04-01T00:00:00Z')).toISOString()).toBe(
      '2026-03-01T00:00:00.000Z',
    );
    // Across a year.
    expect(previousPeriodStart(new Date('2027-01-01T00:14:59Z')).toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
  });
});
