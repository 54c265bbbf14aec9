import { cohortStarts, MAX_COHORTS, retentionTable } from './retention';

const DAY = 86_400_000;

describe('the retention table', () => {
  const from = Date.parse('2026-11-02T00:00:00Z'); // a Monday
  const starts = [0, 1, 2, 3].map((k) => from + k * DAY);

  it('puts each count at its cohort and period, 0 where no one came back, null past `to`', () => {
    const rows = retentionTable(
      starts,
      {
        cohorts: new Map([
          [starts[0], 5],
          [starts[2], 2],
        ]),
        returns: [
          { cohort: starts[0], returned: starts[0], users: 4 },
          { cohort: starts[0], returned: starts[3], users: 1 },
          { cohort: starts[2], returned: starts[3], users: 2 },
        ],
      },
      3,
    );
    expect(rows).toEqual([
      { start: '2026-11-02T00:00:00.000Z', size: 5, retained: [4, 0, 0, 1] },
      { start: '2026-11-03T00:00:00.000Z', size: 0, retained: [0, 0, 0, null] },
      { start: '2026-11-04T00:00:00.000Z', size: 2, retained: [0, 2, null, null] },
      { start: '2026-11-05T00:00:00.000Z', size: 0, retained: [0, null, null, null] },
    ]);
  });

  it('leaves out periods past the last one asked for, and places a bucket an hour off', () => {
    const rows = retentionTable(
      starts,
      {
        cohorts: new Map([[starts[0] + 3_600_000, 3]]),
        returns: [
          { cohort: starts[0], returned: starts[1] - 3_600_000, users: 2 },
          { cohort: starts[0], returned: starts[3], users: 1 },
        ],
      },
      1,
    );
    expect(rows.map((row) => [row.size, row.retained])).toEqual([
      [3, [0, 2]],
      [0, [0, 0]],
      [0, [0, 0]],
      [0, [0, null]],
    ]);
  });

  it('refuses a range of more than MAX_COHORTS buckets', () => {
    expect(cohortStarts(from, from + MAX_COHORTS * DAY, 'day', 'UTC')).toHaveLength(MAX_COHORTS);
    expect(cohortStarts(from, from + (MAX_COHORTS + 1) * DAY, 'day', 'UTC')).toBeNull();
    expect(cohortStarts(from, from + 365 * DAY, 'week', 'UTC')).toHaveLength(53);
  });
});
