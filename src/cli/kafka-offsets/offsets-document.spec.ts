import { MAX_PARTITIONS, parseOffsetsDocument } from './offsets-document';

const valid = {
  cluster_id: 'abc',
  recorded_at: '2026-11-30T14:25:00.200Z',
  groups: {
    'tenantry-ingestion': {
      topic: 'tenant_events',
      partitions: { '0': { committed: '1234', low: '0', high: '1300' } },
    },
    'tenantry-ingestion.overflow': { topic: 'tenant_events.overflow', partitions: {} },
  },
};

describe('parseOffsetsDocument', () => {
  it('reads the manifest example', () => {
    expect(parseOffsetsDocument(JSON.stringify(valid))).toEqual(valid);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['no cluster id', JSON.stringify({ ...valid, cluster_id: undefined }), /cluster_id/],
    [
      'an offset that is a number',
      JSON.stringify({
        ...valid,
        groups: { g: { topic: 't', partitions: { '0': { committed: 5, low: '0', high: '9' } } } },
      }),
      /\/groups\/g\/partitions\/0\/committed/,
    ],
    [
      'an offset below -1',
      JSON.stringify({
        ...valid,
        groups: {
          g: { topic: 't', partitions: { '0': { committed: '-2', low: '0', high: '9' } } },
        },
      }),
      /committed/,
    ],
    [
      'a partition that is not a number',
      JSON.stringify({
        ...valid,
        groups: { g: { topic: 't', partitions: { x: { committed: '1', low: '0', high: '9' } } } },
      }),
      /\/groups\/g\/partitions \(key "x"\)/,
    ],
    [
      'a topic name Kafka would not take',
      JSON.stringify({ ...valid, groups: { g: { topic: 'a b', partitions: {} } } }),
      /\/groups\/g\/topic/,
    ],
  ])('refuses %s, naming the field', (_, text, message) => {
    expect(() => parseOffsetsDocument(text)).toThrow(message);
  });

  it('refuses more partitions than a topic of the app may have', () => {
    const partitions = Object.fromEntries(
      Array.from({ length: MAX_PARTITIONS + 1 }, (_, p) => [
        String(p),
        { committed: '0', low: '0', high: '0' },
      ]),
    );
    expect(() =>
      parseOffsetsDocument(JSON.stringify({ ...valid, groups: { g: { topic: 't', partitions } } })),
    ).toThrow(/more than 1000 properties/);
  });
});
