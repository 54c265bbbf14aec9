import type { OffsetsDocument, PartitionOffsets } from './offsets-document';
import { type BrokerState, type CurrentGroup, planReset } from './reset-plan';

const GROUP = 'tenantry-ingestion';
const OVERFLOW = 'tenantry-ingestion.overflow';

function recorded(
  main: Record<string, PartitionOffsets>,
  overflow: Record<string, PartitionOffsets> = {},
): OffsetsDocument {
  return {
    cluster_id: 'cluster-a',
    recorded_at: '2026-11-30T14:25:00.000Z',
    groups: {
      [GROUP]: { topic: 'tenant_events', partitions: main },
      [OVERFLOW]: { topic: 'tenant_events.overflow', partitions: overflow },
    },
  };
}

function group(watermarks: [low: number, high: number][] | null, state = 'Empty'): CurrentGroup {
  return {
    state,
    partitions: watermarks
      ? new Map(watermarks.map(([low, high], p) => [p, { low: String(low), high: String(high) }]))
      : null,
    committed: new Map((watermarks ?? []).map((_, p) => [p, '-1'])),
  };
}

function broker(
  main: CurrentGroup,
  overflow = group(null, 'Dead'),
  clusterId = 'cluster-a',
): BrokerState {
  return { clusterId, groups: { [GROUP]: main, [OVERFLOW]: overflow } };
}

const at = (committed: number | '-1', low = 0, high = 100): PartitionOffsets => ({
  committed: String(committed),
  low: String(low),
  high: String(high),
});

describe('planReset', () => {
  it('sets each partition back to the recorded committed offset', () => {
    const plan = planReset(
      recorded({ '0': at(40), '1': at(7) }),
      broker(
        group([
          [0, 90],
          [0, 12],
        ]),
      ),
      { acceptGap: false },
    );
    expect(plan).toEqual({
      ok: true,
      groups: [
        {
          group: GROUP,
          topic: 'tenant_events',
          partitions: [
            { partition: 0, offset: '40' },
            { partition: 1, offset: '7' },
          ],
        },
      ],
      gaps: [],
    });
  });

  it('starts a partition the group never committed on at the current low watermark', () => {
    const plan = planReset(
      recorded({ '0': at('-1'), '1': at(5) }),
      broker(
        group([
          [3, 9],
          [0, 9],
        ]),
      ),
      {
        acceptGap: false,
      },
    );
    expect(plan.ok && plan.groups[0].partitions).toEqual([
      { partition: 0, offset: '3' },
      { partition: 1, offset: '5' },
    ]);
  });

  it('refuses another cluster: the broker was reformatted, nothing to replay from', () => {
    const plan = planReset(
      recorded({ '0': at(40) }),
      broker(group([[0, 90]]), undefined, 'cluster-b'),
      {
        acceptGap: true,
      },
    );
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.refusals).toEqual([expect.stringContaining('cluster cluster-b')]);
  });

  it('refuses a group that has members (the app is still running)', () => {
    for (const state of ['Stable', 'PreparingRebalance', 'CompletingRebalance']) {
      const plan = planReset(recorded({ '0': at(40) }), broker(group([[0, 90]], state)), {
        acceptGap: false,
      });
      expect(!plan.ok && plan.refusals).toEqual([
        expect.stringContaining(`group ${GROUP} is ${state}`),
      ]);
    }
    const dead = planReset(recorded({ '0': at(40) }), broker(group([[0, 90]], 'Dead')), {
      acceptGap: false,
    });
    expect(dead.ok).toBe(true);
  });

  it('refuses offsets retention deleted, unless the gap is accepted (then starts at low and reports it)', () => {
    const document = recorded({ '0': at(40), '1': at(60) });
    const current = broker(
      group([
        [55, 90],
        [10, 90],
      ]),
    );
    const refused = planReset(document, current, { acceptGap: false });
    expect(!refused.ok && refused.refusals).toEqual([
      expect.stringMatching(/partition 0: retention deleted 15 events .*--accept-gap/),
    ]);

    const accepted = planReset(document, current, { acceptGap: true });
    expect(accepted).toEqual({
      ok: true,
      groups: [
        {
          group: GROUP,
          topic: 'tenant_events',
          partitions: [
            { partition: 0, offset: '55' },
            { partition: 1, offset: '60' },
          ],
        },
      ],
      gaps: [
        {
          group: GROUP,
          topic: 'tenant_events',
          partition: 0,
          recorded: '40',
          low: '55',
          lost: '15',
        },
      ],
    });
  });

  it('refuses a recorded offset past the partition end (not the log the backup saw)', () => {
    const plan = planReset(
      recorded({ '0': at(40), '1': at(91) }),
      broker(
        group([
          [0, 90],
          [0, 90],
        ]),
      ),
      {
        acceptGap: true,
      },
    );
    expect(!plan.ok && plan.refusals).toEqual([
      expect.stringMatching(/partition 1: the recorded offset 91 is past the partition's end 90/),
    ]);
    const atEnd = planReset(recorded({ '0': at(90) }), broker(group([[0, 90]])), {
      acceptGap: false,
    });
    expect(atEnd.ok).toBe(true);
  });

  it('refuses a topic with fewer partitions than the backup recorded', () => {
    const plan = planReset(
      recorded({ '0': at(1), '1': at(1), '2': at(1) }),
      broker(
        group([
          [0, 5],
          [0, 5],
        ]),
      ),
      { acceptGap: false },
    );
    expect(!plan.ok && plan.refusals).toEqual([
      expect.stringMatching(/partition 2: the topic has 2 partitions now/),
    ]);
  });

  it('leaves partitions the topic gained after the backup alone', () => {
    const plan = planReset(
      recorded({ '0': at(4) }),
      broker(
        group([
          [0, 5],
          [0, 5],
        ]),
      ),
      {
        acceptGap: false,
      },
    );
    expect(plan.ok && plan.groups[0].partitions).toEqual([{ partition: 0, offset: '4' }]);
  });

  it('accepts a missing topic only when the backup had nothing committed on it', () => {
    const fresh = planReset(
      recorded({ '0': at(4) }, { '0': at('-1', 0, 0), '1': at('-1', 0, 0) }),
      broker(group([[0, 5]]), group(null, 'Dead')),
      { acceptGap: false },
    );
    expect(fresh).toEqual({
      ok: true,
      groups: [
        { group: GROUP, topic: 'tenant_events', partitions: [{ partition: 0, offset: '4' }] },
      ],
      gaps: [],
    });

    const consumed = planReset(recorded({ '0': at(4) }), broker(group(null)), { acceptGap: true });
    expect(!consumed.ok && consumed.refusals).toEqual([
      `topic tenant_events does not exist, but group ${GROUP} had committed offsets on it`,
    ]);
  });

  it('lists every refusal at once, so one run tells the operator everything', () => {
    const plan = planReset(
      recorded({ '0': at(1), '1': at(500), '2': at(1) }),
      broker(
        group(
          [
            [0, 100],
            [0, 100],
          ],
          'Stable',
        ),
      ),
      { acceptGap: false },
    );
    expect(!plan.ok && plan.refusals).toHaveLength(3);
  });

  it('compares offsets past 2^53 exactly', () => {
    const big = '9007199254740993';
    const plan = planReset(
      recorded({ '0': { committed: big, low: '0', high: big } }),
      broker({
        state: 'Empty',
        partitions: new Map([[0, { low: '9007199254740992', high: big }]]),
        committed: new Map(),
      }),
      { acceptGap: false },
    );
    expect(plan.ok && plan.groups[0].partitions).toEqual([{ partition: 0, offset: big }]);
  });
});
