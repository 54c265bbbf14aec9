import { replayMarksOf } from './replay-marks-report';

describe('replayMarksOf', () => {
  const group = (topic: string, partitions: Record<string, string>) => ({
    topic,
    partitions: Object.fromEntries(
      Object.entries(partitions).map(([p, committed]) => [p, { committed, low: '0', high: '9' }]),
    ),
  });

  it('marks each partition at the offset committed before the reset, none where never committed', () => {
    expect(
      replayMarksOf({
        before: {
          'tenantry-ingestion': group('tenant_events', { '0': '1234', '1': '-1' }),
          'tenantry-ingestion.overflow': group('tenant_events.overflow', { '0': '7' }),
        },
      }),
    ).toEqual([
      { topic: 'tenant_events', partition: 0, untilOffset: '1234' },
      { topic: 'tenant_events.overflow', partition: 0, untilOffset: '7' },
    ]);
  });

  it('keeps the lower offset when two groups read one topic', () => {
    expect(
      replayMarksOf({
        before: { a: group('t', { '0': '50' }), b: group('t', { '0': '40' }) },
      }),
    ).toEqual([{ topic: 't', partition: 0, untilOffset: '40' }]);
  });

  it('refuses anything else, naming the field', () => {
    expect(() => replayMarksOf({ groups: {} })).toThrow(/no "before" object/);
    expect(() => replayMarksOf({ before: { g: { topic: 'bad topic!' } } })).toThrow(
      /before\.g\.topic/,
    );
    expect(() => replayMarksOf({ before: { g: group('t', { x: '1' }) } })).toThrow(
      /before\.g\.partitions\.x is not a partition/,
    );
    expect(() => replayMarksOf({ before: { g: group('t', { '0': '1e3' }) } })).toThrow(
      /before\.g\.partitions\.0\.committed/,
    );
  });
});
