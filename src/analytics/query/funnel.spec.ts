import { funnelSteps, usersPerStep } from './funnel';

describe('funnel results', () => {
  it('counts a user at every step up to the deepest one reached', () => {
    expect(
      usersPerStep(
        3,
        new Map([
          [0, 7],
          [1, 5],
          [2, 3],
          [3, 2],
        ]),
      ),
    ).toEqual([10, 5, 2]);
  });

  it('converts from step 1 and from the step before, four decimals, 0 over no one', () => {
    expect(funnelSteps(['a', 'b', 'c'], [3, 2, 1])).toEqual([
      { event_type: 'a', users: 3, conversion_from_first: 1, conversion_from_previous: 1 },
      {
        event_type: 'b',
        users: 2,
        conversion_from_first: 0.6667,
        conversion_from_previous: 0.6667,
      },
      { event_type: 'c', users: 1, conversion_from_first: 0.3333, conversion_from_previous: 0.5 },
    ]);
    expect(funnelSteps(['a', 'b'], [0, 0]).map((s) => s.conversion_from_first)).toEqual([0, 0]);
  });
});
