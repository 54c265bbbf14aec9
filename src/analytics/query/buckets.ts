/** Time buckets in a tenant's timezone: minute, hour, day, week (weeks start on Monday). */
export const INTERVALS = ['minute', 'hour', 'day', 'week'] as const;
export type Interval = (typeof INTERVALS)[number];

export const MAX_BUCKETS = 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(instant: number, timezone: string): number[] {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timezone, format);
  }
  const parts = Object.fromEntries(
    format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday);
  return [
    +parts.year,
    +parts.month,
    +parts.day,
    +parts.hour,
    +parts.minute,
    +parts.second,
    weekday,
  ];
}

/** The UTC instant of a local wall-clock time in `timezone` (DST gaps resolve forward). */
function instantOf(local: number[], timezone: string): number {
  const wall = Date.UTC(local[0], local[1] - 1, local[2], local[3], local[4], local[5]);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const seen = localParts(guess, timezone);
    const seenWall = Date.UTC(seen[0], seen[1] - 1, seen[2], seen[3], seen[4], seen[5]);
    guess += wall - seenWall;
  }
  return guess;
}

/** Start of the bucket holding `instant`. */
export function bucketStart(instant: number, interval: Interval, timezone: string): number {
  const [year, month, day, hour, minute, , weekday] = localParts(instant, timezone);
  switch (interval) {
    case 'minute':
      return instantOf([year, month, day, hour, minute, 0], timezone);
    case 'hour':
      return instantOf([year, month, day, hour, 0, 0], timezone);
    case 'day':
      return instantOf([year, month, day, 0, 0, 0], timezone);
    case 'week': {
      const monday = new Date(Date.UTC(year, month - 1, day - weekday));
      return instantOf(
        [monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, 0, 0],
        timezone,
      );
    }
  }
}

const STEP_MS: Record<Interval, number> = {
  minute: 90_000,
  hour: 90 * 60_000,
  day: 36 * 3_600_000,
  week: 8 * 86_400_000,
};

/** Every bucket start from the one holding `from` up to `to` (exclusive), zero-fill order. */
export function bucketStarts(
  from: number,
  to: number,
  interval: Interval,
  timezone: string,
): number[] {
  const starts: number[] = [];
  for (let start = bucketStart(from, interval, timezone); start < to;) {
    starts.push(start);
    if (starts.length > MAX_BUCKETS) break;
    start = bucketStart(start + STEP_MS[interval], interval, timezone);
  }
  return starts;
}
