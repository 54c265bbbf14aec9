import { backupScheduleProblem, longestGapMs } from './backup-schedule';

const HOUR = 3_600_000;

describe('BACKUP_SCHEDULE', () => {
  it.each(['0 2 * * *', '30 1 * * 1-5', '*/15 * * * *', 'off'])('accepts %j', (pattern) => {
    expect(backupScheduleProblem(pattern)).toBeNull();
  });

  it.each([
    ['', /5-field cron pattern/],
    ['daily', /5-field cron pattern/],
    ['0 0 2 * * *', /5-field cron pattern/],
    ['0 24 * * *', /not a valid cron pattern/],
    ['0 2 * * mon-xyz', /not a valid cron pattern/],
  ])('refuses %j', (pattern, problem) => {
    expect(backupScheduleProblem(pattern)).toMatch(problem);
  });

  it('measures lateness by the longest gap between runs', () => {
    const from = new Date('2026-11-30T12:00:00Z'); // a Monday
    expect(longestGapMs('0 2 * * *', from)).toBe(24 * HOUR);
    expect(longestGapMs('30 1 * * 1-5', from)).toBe(72 * HOUR);
    expect(longestGapMs('0 3 * * 0', from)).toBe(7 * 24 * HOUR);
  });
});
