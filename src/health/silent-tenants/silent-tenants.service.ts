import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { registerScrapeTimeGauge } from '../../metrics/scrape-time-gauge';
import { type SilentTenant, SilentTenantsRepository } from './silent-tenants.repository';

export const SILENT_TENANTS = 'tenantry_silent_tenants';

/** Listed at most; the gauge counts the list, so it stops at this too (its help says so). */
export const MAX_SILENT_TENANTS = 1_000;
/** The list is a day-scale figure: read it from PostgreSQL at most this often per app copy. */
const CACHE_MS = 60_000;
const READ_TIMEOUT_MS = 5_000;

/**
 * Tenants that sent events every day of the week before the last 24 hours and none since: the
 * silent-tenant alert. The gauge tenantry_silent_tenants is one series (a count), computed at
 * scrape time from usage_daily, so every app copy reports the same figure and a tenant id never
 * becomes a label; the operator reads the names at GET /admin/silent-tenants and in the log
 * (one warning with tenant_id when a tenant goes silent, seen by this copy).
 */
@Injectable()
export class SilentTenantsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SilentTenantsService.name);
  private cached?: { at: number; list: Promise<SilentTenant[]> };
  private known = new Set<string>();
  private unregister?: () => void;

  constructor(private readonly repository: SilentTenantsRepository) {}

  onModuleInit(): void {
    this.unregister = registerScrapeTimeGauge({
      name: SILENT_TENANTS,
      help: `Active tenants that sent events each of the 7 days before the last 24 h and none since (capped at ${MAX_SILENT_TENANTS}, the length of the list it reads)`,
      timeoutMs: READ_TIMEOUT_MS,
      read: async (gauge) => gauge.set((await this.list()).length),
      onError: (error) =>
        this.logger.warn({ msg: 'silent tenants not read', error: (error as Error).message }),
    });
  }

  onModuleDestroy(): void {
    this.unregister?.();
  }

  /** The silent tenants, longest silent first (cached for a minute). */
  list(): Promise<SilentTenant[]> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.list;
    const list = this.repository.silentAt(new Date(), MAX_SILENT_TENANTS).then((tenants) => {
      this.logNewlySilent(tenants);
      return tenants;
    });
    this.cached = { at: Date.now(), list };
    list.catch(() => (this.cached = undefined));
    return list;
  }

  private logNewlySilent(tenants: SilentTenant[]): void {
    const now = new Set(tenants.map((t) => t.tenant_id));
    for (const tenant of tenants) {
      if (this.known.has(tenant.tenant_id)) continue;
      this.logger.warn({
        msg: 'tenant went silent: events every day of the last week, none in 24 h',
        tenant_id: tenant.tenant_id,
        slug: tenant.slug,
        last_event_at: tenant.last_event_at,
      });
    }
    this.known = now;
  }
}
