import { OVERFLOW_THRESHOLDS_PATTERN, parseOverflowThresholds } from './overflow-thresholds';

describe('INGEST_OVERFLOW_EVENTS_PER_SECOND', () => {
  it('keeps the defaults for tiers left out, exempts `tier:off`, and `off` turns it all off', () => {
    expect(parseOverflowThresholds('starter:500,growth:2000,enterprise:5000')).toEqual({
      starter: 500,
      growth: 2000,
      enterprise: 5000,
    });
    expect(parseOverflowThresholds('growth:100,enterprise:off')).toEqual({
      starter: 500,
      growth: 100,
      enterprise: null,
    });
    expect(parseOverflowThresholds('off')).toBeNull();
  });

  it.each(['', 'on', 'starter:0', 'starter:-1', 'gold:5', 'starter:5,', 'starter:1.5', 'starter'])(
    'refuses %j',
    (setting) => expect(OVERFLOW_THRESHOLDS_PATTERN.test(setting)).toBe(false),
  );
});
