import { InvalidInputException } from '../../common/field-error';
import { splitByCleanWeeks, weekStart } from './clean-weeks';

const at = (iso: string) => new Date(iso);
const text = (ranges: { from: Date; to: Date }[]) =>
  ranges.map((r) => `${r.from.toISOString()}..${r.to.toISOString()}`);

describe('weekStart', () => {
  it('is the UTC Monday of the week, for instants on either side of the epoch', () => {
    const monday = (iso: string) => new Date(weekStart(Date.parse(iso))).toISOString();
    expect(monday('2026-12-01T15:00:00Z')).toBe('2026-11-30T00:00:00.000Z');
    expect(monday('2026-11-30T00:00:00Z')).toBe('2026-11-30T00:00:00.000Z');
    expect(monday('2026-11-29T23:59:59Z')).toBe('2026-11-23T00:00:00.000Z');
    expect(monday('1970-01-01T00:00:00Z')).toBe('1969-12-29T00:00:00.000Z');
  });
});

describe('splitByCleanWeeks', () => {
  it('reads clean weeks plainly and the rest with FINAL, merging neighbours', () => {
    // Mondays: 2026-11-02, 09, 16, 23, 30.
    const split = splitByCleanWeeks(
      { from: at('2026-11-04T06:00:00Z'), to: at('2026-12-01T12:00:00Z') },
      new Set(['2026-11-02', '2026-11-09', '2026-11-23']),
    );
    expect(text(split.plain)).toEqual([
      '2026-11-04T06:00:00.000Z..2026-11-16T00:00:00.000Z',
      '2026-11-23T00:00:00.000Z..2026-11-30T00:00:00.000Z',
    ]);
    expect(text(split.final)).toEqual([
      '2026-11-16T00:00:00.000Z..2026-11-23T00:00:00.000Z',
      '2026-11-30T00:00:00.000Z..2026-12-01T12:00:00.000Z',
    ]);
  });

  it('keeps the whole range under FINAL when no week is clean', () => {
    const range = { from: at('2026-10-30T23:59:59Z'), to: at('2026-11-20T00:00:01Z') };
    expect(text(splitByCleanWeeks(range, new Set()).final)).toEqual([
      '2026-10-30T23:59:59.000Z..2026-11-20T00:00:01.000Z',
    ]);
    expect(splitByCleanWeeks(range, new Set()).plain).toEqual([]);
  });

  it('ignores clean weeks outside the range, and a date that is not a Monday', () => {
    const range = { from: at('2026-11-10T00:00:00Z'), to: at('2026-11-12T00:00:00Z') };
    const split = splitByCleanWeeks(range, new Set(['2026-11-11', '2026-11-02', '2026-11-16']));
    expect(split.plain).toEqual([]);
    expect(text(split.final)).toEqual(['2026-11-10T00:00:00.000Z..2026-11-12T00:00:00.000Z']);
  });

  it('answers nothing to read for an empty range', () => {
    const now = at('2026-11-02T00:00:00Z');
    expect(splitByCleanWeeks({ from: now, to: now }, new Set(['2026-11-02']))).toEqual({
      plain: [],
      final: [],
    });
  });

  it('refuses a range longer than any route allows before listing its weeks', () => {
    expect(() =>
      splitByCleanWeeks(
        { from: at('2000-01-01T00:00:00Z'), to: at('2026-01-01T00:00:00Z') },
        new Set(),
      ),
    ).toThrow(InvalidInputException);
  });
});
