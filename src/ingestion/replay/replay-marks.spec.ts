import { ReplayMarks } from './replay-marks';

describe('ReplayMarks', () => {
  const marks = new ReplayMarks(new Map([[0, 100n]]));

  it('counts a message below its partition mark as metered before the restore', () => {
    expect(marks.metered(0, '99')).toBe(true);
    expect(marks.metered(0, '0')).toBe(true);
  });

  it('meters the mark itself, messages above it and partitions without a mark as usual', () => {
    expect(marks.metered(0, '100')).toBe(false);
    expect(marks.metered(0, '12345678901234567890')).toBe(false);
    expect(marks.metered(1, '5')).toBe(false);
    expect(marks.metered(0, undefined)).toBe(false);
    expect(ReplayMarks.NONE.metered(0, '1')).toBe(false);
  });
});
