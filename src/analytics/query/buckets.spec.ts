import { bucketStart, bucketStarts } from './buckets';

const iso = (ms: number) => new Date(ms).toISOString();

describe('buckets in a timezone', () => {
  const t = Date.parse('2026-11-23T16:00:45Z'); // a Monday

  it('starts minutes, hours, days and weeks at local boundaries', () => {
    expect(iso(bucketStart(t, 'day', 'Europe/Berlin'))).toBe('2026-11-22T23:00:00.000Z');
    expect(iso(bucketStart(t, 'hour', 'Asia/Kolkata'))).toBe('2026-11-23T15:30:00.000Z');
    expect(iso(bucketStart(t, 'week', 'America/New_York'))).toBe('2026-11-23T05:00:00.000Z');
    expect(iso(bucketStart(t, 'minute', 'UTC'))).toBe('2026-11-23T16:00:00.000Z');
  });

  it('has a 23-hour day where the clocks go forward and a 25-hour one where they go back', () => {
    const spring = bucketStarts(
      Date.parse('2026-03-28T12:00:00Z'),
      Date.parse('2026-03-30T12:00:00Z'),
      'day',
      'Europe/Berlin',
    );
    expect(spring.map(iso)).toEqual([
      '2026-03-27T23:00:00.000Z',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ]);
    const autumn = bucketStarts(
      Date.parse('2026-10-24T12:00:00Z'),
      Date.parse('2026-10-26T12:00:00Z'),
      'day',
      'Europe/Berlin',
    );
    expect(autumn.map(iso)).toEqual([
      '2026-10-23T22:00:00.000Z',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ]);
  });

  it('lists each bucket once, in order, weeks on Mondays', () => {
    const weeks = bucketStarts(
      Date.parse('2026-11-01T00:00:00Z'),
      Date.parse('2026-11-30T00:00:00Z'),
      'week',
      'UTC',
    );
    expect(weeks.map(iso)).toEqual([
      '2026-10-26T00:00:00.000Z',
      '2026-11-02T00:00:00.000Z',
      '2026-11-09T00:00:00.000Z',
      '2026-11-16T00:00:00.000Z',
      '2026-11-23T00:00:00.000Z',
    ]);
    expect(bucketStarts(t - 3_600_000, t, 'minute', 'UTC')).toHaveLength(61);
  });
});
