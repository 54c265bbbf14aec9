import type { AnalyticsQuery } from '../query/analytics-query';
import { canonicalJson, normalisedQuery } from './normalised-query';

const query = (overrides: Partial<AnalyticsQuery['filter']> = {}): { query: AnalyticsQuery } => ({
  query: {
    timezone: 'UTC',
    earliest: new Date('2026-09-01T00:00:00Z'),
    filter: {
      tenantId: '11111111-1111-4111-8111-111111111111',
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-02T00:00:00Z'),
      properties: [],
      ...overrides,
    },
  },
});
const explicit = { from: 'x', to: 'y' };

describe('normalisedQuery', () => {
  it('is one text whatever the order of keys and property filters', () => {
    const a = normalisedQuery(
      'summary',
      query({
        properties: [
          ['a', '1'],
          ['b', '2'],
        ],
      }),
      explicit,
    );
    const b = normalisedQuery(
      'summary',
      query({
        properties: [
          ['b', '2'],
          ['a', '1'],
        ],
      }),
      explicit,
    );
    expect(a).toBe(b);
  });

  it('tells apart routes, filters, ranges and tenants', () => {
    const base = normalisedQuery('summary', query(), explicit);
    expect(normalisedQuery('timeseries', query(), explicit)).not.toBe(base);
    expect(normalisedQuery('summary', query({ eventType: 'purchase' }), explicit)).not.toBe(base);
    expect(
      normalisedQuery('summary', query({ to: new Date('2026-11-03T00:00:00Z') }), explicit),
    ).not.toBe(base);
    expect(
      normalisedQuery(
        'summary',
        query({ tenantId: '22222222-2222-4222-8222-222222222222' }),
        explicit,
      ),
    ).not.toBe(base);
    // A value that is the same text as another key=value pair split differently.
    expect(normalisedQuery('summary', query({ properties: [['a', 'b=c']] }), explicit)).not.toBe(
      normalisedQuery('summary', query({ properties: [['a=b', 'c']] }), explicit),
    );
  });

  it('names a defaulted range end as such, not as the instant it resolved to', () => {
    const now = normalisedQuery('summary', query(), {});
    const later = normalisedQuery(
      'summary',
      query({ from: new Date('2026-11-01T00:00:05Z'), to: new Date('2026-11-02T00:00:05Z') }),
      {},
    );
    expect(now).toBe(later);
    expect(now).toContain('"to":"now"');
    expect(now).not.toBe(normalisedQuery('summary', query(), explicit));
  });

  it('leaves out the retention bound, which moves with the clock', () => {
    const moved = query();
    moved.query.earliest = new Date('2026-09-02T00:00:00Z');
    expect(normalisedQuery('summary', moved, explicit)).toBe(
      normalisedQuery('summary', query(), explicit),
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys, writes dates as ISO text, maps and sets as arrays, and drops undefined', () => {
    expect(
      canonicalJson({
        b: 1,
        a: new Date(0),
        m: new Map([['k', 1]]),
        s: new Set([2]),
        u: undefined,
      }),
    ).toBe('{"a":"1970-01-01T00:00:00.000Z","b":1,"m":[["k",1]],"s":[2]}');
  });
});
