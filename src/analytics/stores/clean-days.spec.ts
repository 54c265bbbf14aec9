import { InvalidInputException } from '../../common/field-error';
import { splitByCleanDays } from './clean-days';

const at = (iso: string) => new Date(iso);
const text = (ranges: { from: Date; to: Date }[]) =>
  ranges.map((r) => `${r.from.toISOString()}..${r.to.toISOString()}`);

describe('splitByCleanDays', () => {
  it('reads clean days plainly and the rest with FINAL, merging neighbours', () => {
    const split = splitByCleanDays(
      { from: at('2026-11-01T06:00:00Z'), to: at('2026-11-05T12:00:00Z') },
      new Set(['2026-11-01', '2026-11-02', '2026-11-04']),
    );
    expect(text(split.plain)).toEqual([
      '2026-11-01T06:00:00.000Z..2026-11-03T00:00:00.000Z',
      '2026-11-04T00:00:00.000Z..2026-11-05T00:00:00.000Z',
    ]);
    expect(text(split.final)).toEqual([
      '2026-11-03T00:00:00.000Z..2026-11-04T00:00:00.000Z',
      '2026-11-05T00:00:00.000Z..2026-11-05T12:00:00.000Z',
    ]);
  });

  it('keeps the whole range under FINAL when no day is clean, and covers it exactly once', () => {
    const range = { from: at('2026-10-30T23:59:59Z'), to: at('2026-11-02T00:00:01Z') };
    expect(text(splitByCleanDays(range, new Set()).final)).toEqual([
      '2026-10-30T23:59:59.000Z..2026-11-02T00:00:01.000Z',
    ]);
    const split = splitByCleanDays(range, new Set(['2026-10-31', '2026-11-02', '2026-11-09']));
    expect(text(split.plain)).toEqual([
      '2026-10-31T00:00:00.000Z..2026-11-01T00:00:00.000Z',
      '2026-11-02T00:00:00.000Z..2026-11-02T00:00:01.000Z',
    ]);
    expect(text(split.final)).toEqual([
      '2026-10-30T23:59:59.000Z..2026-10-31T00:00:00.000Z',
      '2026-11-01T00:00:00.000Z..2026-11-02T00:00:00.000Z',
    ]);
  });

  it('answers nothing to read for an empty range', () => {
    const now = at('2026-11-01T00:00:00Z');
    expect(splitByCleanDays({ from: now, to: now }, new Set(['2026-11-01']))).toEqual({
      plain: [],
      final: [],
    });
  });

  it('refuses a range longer than any route allows before listing its days', () => {
    expect(() =>
      splitByCleanDays(
        { from: at('2000-01-01T00:00:00Z'), to: at('2026-01-01T00:00:00Z') },
        new Set(),
      ),
    ).toThrow(InvalidInputException);
  });
});
