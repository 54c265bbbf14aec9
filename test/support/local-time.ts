/**
 * Local wall-clock time in a timezone, for tests, through Intl alone (apart from the code
 * under test in src/analytics/query/buckets.ts).
 */
function parts(instant: number, timezone: string): Record<string, string> {
  return Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
}

/** The local day (2026-11-23) or the Monday of its week, as a date label. */
export function localLabel(instant: number, interval: 'day' | 'week', timezone: string): string {
  const p = parts(instant, timezone);
  const back =
    interval === 'week' ? ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday) : 0;
  return new Date(Date.UTC(+p.year, +p.month - 1, +p.day - back)).toISOString().slice(0, 10);
}

/** Whole days (or weeks) from one date label to another. */
export function labelDistance(from: string, to: string, interval: 'day' | 'week'): number {
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  return interval === 'week' ? days / 7 : days;
}

/** The date label `days` after `label`. */
export function addDays(label: string, days: number): string {
  return new Date(Date.parse(`${label}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The instant of a local wall-clock time ('2026-11-23T23:59:59') in `timezone`. */
export function localInstant(wallClock: string, timezone: string): Date {
  const wall = Date.parse(`${wallClock}Z`);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const p = parts(guess, timezone);
    const seen = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    guess += wall - seen;
  }
  return new Date(guess);
}
