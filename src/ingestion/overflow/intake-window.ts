import type Redis from 'ioredis';

/** How a window is cut and when a tenant stops being hot. */
export interface WindowShape {
  /** The span the rate is measured over. */
  windowMs: number;
  /** A hot tenant stays hot at least this long (no flapping around the threshold). */
  minHotMs: number;
}

/** One tenant's events of a batch, with the rates that make it hot and let it cool. */
export interface WindowHit {
  key: string;
  /** Events to add now (0 only re-reads the window, and may let a hot tenant cool). */
  events: number;
  /** Above this many events per second the tenant becomes hot; null: never. */
  enterPerSecond: number | null;
  /** A hot tenant cools when its rate is below this (and it was hot minHotMs). */
  exitPerSecond: number | null;
  /**
   * The thresholds are unknown (the tenant's tier could not be read): the events are counted,
   * and the tenant stays as it is, hot or not.
   */
  hold?: boolean;
}

/** Where one tenant's window stands after a hit. */
export interface WindowReading {
  eventsPerSecond: number;
  hot: boolean;
  /** `started`/`stopped` to exactly one caller, whichever app copy made the change. */
  change: 'started' | 'stopped' | null;
}

/** Buckets per window: the rate is as fresh as windowMs / BUCKETS. */
const BUCKETS = 10;

/**
 * Per tenant, one hash: a counter per bucket of windowMs / 10 (field = bucket number) and `hot`
 * (since when, in Redis milliseconds). One call takes every tenant of a batch: it adds the
 * events, drops buckets past the window, sums the rest into events per second, and moves the
 * tenant in or out of `hot` (in above `enter`; out below `exit`, only after `minHot`; neither
 * when `enter` is -2, a hold: its thresholds are unknown).
 * Redis' own clock (TIME), so app copies with skewed clocks share one timeline; one script, so
 * two copies never both see the same change.
 */
export const INTAKE_WINDOW_SCRIPT = `
local windowMs, minHotMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucketMs = windowMs / ${BUCKETS}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = math.floor(now / bucketMs)
local out = {}
for i, key in ipairs(KEYS) do
  local base = 2 + (i - 1) * 3
  local events, enter, exit = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  if events > 0 then redis.call('HINCRBY', key, current, events) end
  local fields = redis.call('HGETALL', key)
  local sum, hotSince = 0, nil
  for f = 1, #fields, 2 do
    local name = fields[f]
    if name == 'hot' then
      hotSince = tonumber(fields[f + 1])
    else
      local bucket = tonumber(name)
      if bucket == nil or bucket <= current - ${BUCKETS} then
        redis.call('HDEL', key, name)
      else
        sum = sum + tonumber(fields[f + 1])
      end
    end
  end
  local rate = sum * 1000 / windowMs
  local change = 0
  if enter == -2 then
    change = 0
  elseif hotSince == nil then
    if enter >= 0 and rate > enter then
      redis.call('HSET', key, 'hot', now)
      hotSince = now
      change = 1
    end
  elseif enter < 0 or (rate < exit and now - hotSince >= minHotMs) then
    redis.call('HDEL', key, 'hot')
    hotSince = nil
    change = -1
  end
  if redis.call('EXISTS', key) == 1 then
    redis.call('PEXPIRE', key, math.max(windowMs, minHotMs) * 2)
  end
  local hot = 0
  if hotSince ~= nil then hot = 1 end
  out[i] = {math.floor(rate * 1000), hot, change}
end
return out`;

/** A tenant's intake windows, in Redis (shared by app copies) or in this process. */
export interface IntakeWindow {
  hit(hits: WindowHit[]): Promise<WindowReading[]>;
}

interface IntakeWindowCommands {
  tenantryIntakeWindow(...args: (string | number)[]): Promise<[number, number, number][]>;
}

const CHANGES = { 1: 'started', [-1]: 'stopped' } as Record<number, 'started' | 'stopped'>;
/** The script's `enter` for a hold (-1 is no threshold). */
const HOLD = -2;

/** The windows in Redis: one round trip per batch, whatever the number of tenants in it. */
export class RedisIntakeWindow implements IntakeWindow {
  private readonly redis: Redis & IntakeWindowCommands;

  constructor(
    redis: Redis,
    private readonly shape: WindowShape,
  ) {
    redis.defineCommand('tenantryIntakeWindow', { lua: INTAKE_WINDOW_SCRIPT });
    this.redis = redis as Redis & IntakeWindowCommands;
  }

  async hit(hits: WindowHit[]): Promise<WindowReading[]> {
    if (hits.length === 0) return [];
    const args: (string | number)[] = [hits.length, ...hits.map((hit) => hit.key)];
    args.push(this.shape.windowMs, this.shape.minHotMs);
    for (const hit of hits) {
      const enter = hit.hold ? HOLD : (hit.enterPerSecond ?? -1);
      args.push(hit.events, enter, hit.exitPerSecond ?? -1);
    }
    const rows = await this.redis.tenantryIntakeWindow(...args);
    return rows.map(([milliRate, hot, change]) => ({
      eventsPerSecond: milliRate / 1000,
      hot: hot === 1,
      change: CHANGES[change] ?? null,
    }));
  }
}

/** The same windows in this process (no Redis): each app copy decides for itself. */
export class MemoryIntakeWindow implements IntakeWindow {
  private readonly windows = new Map<string, { buckets: Map<number, number>; hotSince?: number }>();

  constructor(
    private readonly shape: WindowShape,
    private readonly clock: () => number = Date.now,
  ) {}

  hit(hits: WindowHit[]): Promise<WindowReading[]> {
    const now = this.clock();
    const { windowMs, minHotMs } = this.shape;
    const current = Math.floor(now / (windowMs / BUCKETS));
    return Promise.resolve(
      hits.map((hit) => {
        let window = this.windows.get(hit.key);
        if (!window) {
          if (this.windows.size >= 100_000) this.windows.clear();
          window = { buckets: new Map() };
          this.windows.set(hit.key, window);
        }
        if (hit.events > 0) {
          window.buckets.set(current, (window.buckets.get(current) ?? 0) + hit.events);
        }
        let sum = 0;
        for (const [bucket, count] of window.buckets) {
          if (bucket <= current - BUCKETS) window.buckets.delete(bucket);
          else sum += count;
        }
        const rate = (sum * 1000) / windowMs;
        let change: WindowReading['change'] = null;
        if (hit.hold) {
          // Thresholds unknown: neither in nor out.
        } else if (window.hotSince === undefined) {
          if (hit.enterPerSecond !== null && rate > hit.enterPerSecond) {
            window.hotSince = now;
            change = 'started';
          }
        } else if (
          hit.enterPerSecond === null ||
          (rate < (hit.exitPerSecond ?? 0) && now - window.hotSince >= minHotMs)
        ) {
          window.hotSince = undefined;
          change = 'stopped';
        }
        if (window.buckets.size === 0 && window.hotSince === undefined)
          this.windows.delete(hit.key);
        return {
          eventsPerSecond: Math.floor(rate * 1000) / 1000,
          hot: window.hotSince !== undefined,
          change,
        };
      }),
    );
  }
}
