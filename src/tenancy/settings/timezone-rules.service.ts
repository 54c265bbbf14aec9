import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { TimezoneNamesRepository } from './timezone-names.repository';

/** Whether one event store can compute in a zone: true, false, or a throw when it cannot tell. */
export type ZoneCheck = (zone: string) => Promise<boolean>;

export type ZoneVerdict = { zone: string } | { refused: string };

/** Reads fall back to this when a stored zone is no longer usable; every store knows it. */
const FALLBACK_ZONE = 'UTC';

function intlKnows(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** ICU's own name for a zone (Europe/Kyiv → Europe/Kiev on older ICU), or undefined. */
function intlName(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Which time zones a tenant may use: names every part that computes in them knows. The spelling
 * is PostgreSQL's (pg_timezone_names, the IANA names), matched case-insensitively, so `utc` is
 * stored as `UTC` and `europe/berlin` as `Europe/Berlin`; the app's own bucketing (Intl) must
 * know it too, and so must each configured event store that adds a check (ClickHouse asks its
 * live server: 18.16 reads zone files by exact name and fails every query on one it cannot load).
 * Store verdicts are cached per canonical name, so the cache never outgrows the zone list.
 */
@Injectable()
export class TimezoneRulesService {
  private readonly logger = new Logger(TimezoneRulesService.name);
  private names?: Promise<Map<string, string>>;
  private readonly checks: { store: string; check: ZoneCheck }[] = [];
  private readonly verdicts = new Map<string, Promise<string | null>>();
  private readonly warned = new Set<string>();

  constructor(private readonly zones: TimezoneNamesRepository) {}

  /** A configured event store adds its own check at start-up. */
  addStoreCheck(store: string, check: ZoneCheck): void {
    this.checks.push({ store, check });
    this.verdicts.clear();
  }

  /**
   * The canonical name for a zone a tenant asks for, or why it is refused. A store that cannot
   * answer now (server down) makes this a 503, never a wrong verdict.
   */
  async accept(input: string): Promise<ZoneVerdict> {
    const zone = await this.canonical(input);
    if (!zone) return { refused: `timezone must be an IANA time zone such as Europe/Berlin` };
    let unknownTo: string | null;
    try {
      unknownTo = await this.storeThatRefuses(zone);
    } catch {
      throw new ServiceUnavailableException(
        'the event store cannot check time zones right now; try again shortly',
      );
    }
    if (unknownTo === null) return { zone };
    const alias = await this.alias(zone);
    return {
      refused:
        `timezone ${zone} is not known to the ${unknownTo} event store` +
        (alias ? `; use ${alias}, the same zone under a name every store knows` : ''),
    };
  }

  /**
   * The zone reads use for a stored setting: its canonical name when every store knows it, else
   * the same zone under another name, else UTC (logged), so a setting saved under older rules
   * never fails a query. When a store cannot answer now, its own read will say so.
   */
  async usable(stored: string): Promise<string> {
    const zone = await this.canonical(stored).catch(() => undefined);
    if (!zone) return this.fallback(stored);
    try {
      if ((await this.storeThatRefuses(zone)) === null) return zone;
      return (await this.alias(zone)) ?? this.fallback(stored);
    } catch {
      return zone;
    }
  }

  private fallback(stored: string): string {
    this.logger.warn(
      { timezone: stored },
      `stored time zone is unusable; reading in ${FALLBACK_ZONE}`,
    );
    return FALLBACK_ZONE;
  }

  /** The same zone under ICU's name, when that name is accepted everywhere. */
  private async alias(zone: string): Promise<string | undefined> {
    const other = intlName(zone);
    if (!other || other === zone) return undefined;
    const canonical = await this.canonical(other);
    if (!canonical) return undefined;
    return (await this.storeThatRefuses(canonical).catch(() => 'unknown')) === null
      ? canonical
      : undefined;
  }

  /** PostgreSQL's spelling of a name it and Intl both know, matched without case. */
  private async canonical(input: string): Promise<string | undefined> {
    if (input.length === 0 || input.length > 64) return undefined;
    return (await this.zoneNames()).get(input.toLowerCase());
  }

  private zoneNames(): Promise<Map<string, string>> {
    this.names ??= this.loadZoneNames().catch((error: unknown) => {
      this.names = undefined;
      throw error;
    });
    return this.names;
  }

  private async loadZoneNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const name of await this.zones.all()) {
      if (intlKnows(name) && !names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
    }
    return names;
  }

  /** The first store that does not know `zone`, or null when all do; throws when one cannot tell. */
  private storeThatRefuses(zone: string): Promise<string | null> {
    let verdict = this.verdicts.get(zone);
    if (!verdict) {
      verdict = (async () => {
        for (const { store, check } of this.checks) if (!(await check(zone))) return store;
        return null;
      })();
      // Only answers are kept: a store that could not tell is asked again next time.
      verdict.catch(() => this.verdicts.delete(zone));
      this.verdicts.set(zone, verdict);
    }
    return verdict;
  }
}
