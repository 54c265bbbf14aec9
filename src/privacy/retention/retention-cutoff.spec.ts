import { closedDays, monthWindows } from '../../ingestion/store/postgres-event-deletion';
import { subjectDigest } from '../erasures.service';
import { keptFrom } from './retention-enforcer.service';

describe('retention cut-off', () => {
  it('keeps whole UTC days from the day of now − retention: nothing readable is deleted', () => {
    const now = new Date('2026-11-30T01:45:00Z');
    expect(keptFrom(now, 90)).toBe('2026-09-01');
    // Analytics accept from = now − 90 days (2026-09-01T01:45Z): that day is kept whole.
    expect(keptFrom(new Date('2026-11-30T23:59:59Z'), 1)).toBe('2026-11-29');
  });
});

describe('erasure helpers', () => {
  it('recomputes closed days only: today stays for the rollup job', () => {
    expect(
      closedDays(['2026-11-28', '2026-11-29', '2026-11-30'], new Date('2026-11-30T10:00:00Z')),
    ).toEqual(['2026-11-28', '2026-11-29']);
  });

  it('names the subject by a digest of tenant and user, never the id itself', () => {
    const tenant = '00000000-0000-4000-8000-000000000001';
    const digest = subjectDigest(tenant, 'user-4711');
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).not.toBe(subjectDigest('00000000-0000-4000-8000-000000000002', 'user-4711'));
  });
});

describe('erasure month windows', () => {
  it('cover every instant once: open ends, whole UTC months between', () => {
    const windows = monthWindows(new Date('2026-11-30T01:45:00Z'));
    expect(windows[0][0]).toBe('-infinity');
    expect(windows[windows.length - 1][1]).toBe('infinity');
    for (let i = 1; i < windows.length; i += 1) expect(windows[i][0]).toBe(windows[i - 1][1]);
    expect(windows).toContainEqual(['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
    expect(windows[windows.length - 1][0]).toBe('2027-01-01T00:00:00.000Z');
    expect(windows.length).toBeLessThan(40);
  });
});
