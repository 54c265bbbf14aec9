import { normalizeWidgets, type WidgetInput } from './widgets';

const context = (knownIds: string[] = []) => {
  let n = 0;
  return {
    retentionDays: 90,
    knownIds: new Set(knownIds),
    newId: () => `new-${++n}`,
  };
};

describe('normalizeWidgets', () => {
  it('fills defaults per kind and gives new widgets fresh ids', () => {
    const result = normalizeWidgets(
      [{ kind: 'kpi' }, { kind: 'timeseries', metric: 'users' }, { kind: 'breakdown' }],
      context(),
    );
    expect(result).toEqual({
      widgets: [
        {
          id: 'new-1',
          kind: 'kpi',
          title: 'Events, last 7 days',
          metric: 'events',
          options: { range_days: 7 },
        },
        {
          id: 'new-2',
          kind: 'timeseries',
          title: 'Users per day',
          metric: 'users',
          options: { range_days: 7, interval: 'day' },
        },
        {
          id: 'new-3',
          kind: 'breakdown',
          title: 'Top event_type',
          metric: 'events',
          options: { range_days: 7, dimension: 'event_type', limit: 10 },
        },
      ],
    });
  });

  it('keeps known ids, refuses unknown and repeated ones', () => {
    const known = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
    const kept = normalizeWidgets([{ kind: 'kpi', id: known.toUpperCase() }], context([known]));
    expect('widgets' in kept && kept.widgets[0].id).toBe(known);
    const refused = normalizeWidgets(
      [
        { kind: 'kpi', id: known },
        { kind: 'kpi', id: known },
        { kind: 'kpi', id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' },
      ],
      context([known]),
    );
    expect('errors' in refused && refused.errors.map((e) => e.field)).toEqual([
      'widgets.1.id',
      'widgets.2.id',
    ]);
  });

  it('names options a kind does not take, metrics it cannot show, and ranges past retention', () => {
    const inputs: WidgetInput[] = [
      { kind: 'kpi', options: { limit: 5 } },
      { kind: 'breakdown', metric: 'sessions' },
      { kind: 'timeseries', options: { interval: 'hour', range_days: 60 } },
      { kind: 'kpi', options: { range_days: 91 } },
    ];
    const result = normalizeWidgets(inputs, context());
    expect('errors' in result && result.errors.map((e) => e.field)).toEqual([
      'widgets.0.options.limit',
      'widgets.1.metric',
      'widgets.2.options.interval',
      'widgets.3.options.range_days',
    ]);
  });
});
