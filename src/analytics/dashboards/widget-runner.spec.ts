import { InvalidInputException } from '../../common/field-error';
import type { AnalyticsStore } from '../stores/analytics-store';
import { WidgetRunner } from './widget.runner';
import type { Widget } from './widgets';

/** A store that records the ranges it was asked for and answers nothing. */
function recordingStore(): { store: AnalyticsStore; ranges: [Date, Date][] } {
  const ranges: [Date, Date][] = [];
  const seen = (filter: { from: Date; to: Date }) => ranges.push([filter.from, filter.to]);
  const store = {
    kind: 'postgres',
    summary: (filter: { from: Date; to: Date }) => {
      seen(filter);
      return Promise.resolve({ events: 0, users: 0, sessions: 0 });
    },
    countEvents: () => Promise.resolve(0),
    breakdown: (filter: { from: Date; to: Date }) => {
      seen(filter);
      return Promise.resolve([]);
    },
    timeseries: (filter: { from: Date; to: Date }) => {
      seen(filter);
      return Promise.resolve(new Map());
    },
    funnel: () => Promise.resolve([]),
    retention: () => Promise.resolve({ cohorts: new Map(), returns: [] }),
  } as unknown as AnalyticsStore;
  return { store, ranges };
}

const now = Date.parse('2026-11-23T12:00:00Z');
const scope = {
  tenantId: '6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11',
  timezone: 'UTC',
  properties: [],
  now,
};
const kpi = (rangeDays: number): Widget => ({
  id: '00000000-0000-4000-8000-000000000001',
  kind: 'kpi',
  title: 'Events',
  metric: 'events',
  options: { range_days: rangeDays },
});

describe('WidgetRunner range limits (issue 11, finding 1)', () => {
  it('refuses a range past the longest retention before any read, whatever is stored', async () => {
    const { store, ranges } = recordingStore();
    const runner = new WidgetRunner(store);
    await expect(
      runner.run(kpi(1_000_000), { ...scope, retentionDays: 1_000_000 }),
    ).rejects.toBeInstanceOf(InvalidInputException);
    expect(ranges).toEqual([]);
  });

  it('reads only within the retention', async () => {
    const { store, ranges } = recordingStore();
    await new WidgetRunner(store).run(kpi(90), { ...scope, retentionDays: 90 });
    for (const [from, to] of ranges) {
      expect(from.getTime()).toBeGreaterThanOrEqual(now - 90 * 86_400_000 - 1000);
      expect(to.getTime()).toBeLessThanOrEqual(now + 1000);
    }
  });
});
