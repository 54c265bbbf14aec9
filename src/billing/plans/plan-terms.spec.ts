import { bodyUsesFeature } from '../../tenancy/scope/require-feature.decorator';
import { applyOverrides, type PlanTerms } from './plan-terms';

const STARTER: PlanTerms = {
  plan: 'starter',
  version: 1,
  priceCentsPerMonth: 9900,
  eventsPerMonth: 1_000_000,
  overQuota: 'refuse',
  overageCentsPer1000Events: 0,
  apiRequestsPerMinute: 100,
  storageGb: 10,
  users: 5,
  eventSources: 2,
  dataRetentionDays: 90,
  features: [],
  analyticsConcurrentQueries: 2,
  analyticsQuerySeconds: 10,
  analyticsRowsPerQuery: 20_000_000,
};

describe('applyOverrides', () => {
  it('keeps the plan when there are none', () => {
    expect(applyOverrides(STARTER, {})).toEqual(STARTER);
  });

  it('replaces exactly the overridden figures, null meaning unlimited', () => {
    expect(
      applyOverrides(STARTER, {
        users: null,
        event_sources: 7,
        over_quota: 'overage',
        features: ['funnels_retention'],
      }),
    ).toEqual({
      ...STARTER,
      users: null,
      eventSources: 7,
      overQuota: 'overage',
      features: ['funnels_retention'],
    });
  });

  it('leaves the plan object itself alone', () => {
    applyOverrides(STARTER, { users: 50 });
    expect(STARTER.users).toBe(5);
  });
});

describe('bodyUsesFeature', () => {
  const fields = { primary_color: '#4f46e5', logo_url: null };

  it('is false for bodies that leave the fields out or at their free values', () => {
    expect(bodyUsesFeature({}, fields)).toBe(false);
    expect(bodyUsesFeature({ primary_color: '#4F46E5', logo_url: null }, fields)).toBe(false);
    expect(bodyUsesFeature({ embed_origins: ['https://a.example'] }, fields)).toBe(false);
    expect(bodyUsesFeature(undefined, fields)).toBe(false);
    expect(bodyUsesFeature([{ primary_color: '#000000' }], fields)).toBe(false);
  });

  it('is true as soon as one field has another value, of any type', () => {
    expect(bodyUsesFeature({ primary_color: '#000000' }, fields)).toBe(true);
    expect(bodyUsesFeature({ logo_url: 'https://cdn.example/l.png' }, fields)).toBe(true);
    expect(bodyUsesFeature({ primary_color: 5 }, fields)).toBe(true);
  });
});
