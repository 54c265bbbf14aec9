import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../../auth/api-keys/api-keys.service';
import { UsersService } from '../../auth/users/users.service';
import { InvalidInputException } from '../../common/field-error';
import type { Tenant } from '../../tenancy/tenant.entity';
import { monthOf, QuotaService } from '../quota/quota.service';
import type { DailyUsageQuery } from './dto/daily-usage.query';
import type { CountUsageResponse, DailyUsageResponse, UsageResponse } from './dto/usage.response';
import { UsageRepository } from './usage.repository';

/** The longest range GET /v1/usage/daily answers, in days (both ends included). */
export const MAX_DAILY_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

/** Limits GET /v1/usage compares with, beside the event quota (null: unlimited). */
interface UsageLimits {
  storageGb: number;
  users: number | null;
  eventSources: number | null;
}

/**
 * The tenant's usage this period (calendar month, UTC) against its plan, and its usage per day.
 * Runs inside the request's tenant transaction.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly quota: QuotaService,
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async current(tenant: Tenant, now = new Date()): Promise<UsageResponse> {
    const { firstDay, resetsAt } = monthOf(now);
    const limits = this.limitsOf(tenant);
    const counts = await this.usage.totals(firstDay, resetsAt.toISOString().slice(0, 10));
    const quota = await this.quota.status(tenant, now);
    const storage = await this.usage.latestStorage();
    const users = await this.users.list({ page: 1, limit: 1 });
    const sources = (await this.apiKeys.list()).filter((key) =>
      key.scopes.includes('events:write'),
    ).length;
    const storageLimit = limits.storageGb * 1_000_000_000;
    return {
      plan: tenant.tier,
      period: { start: `${firstDay}T00:00:00.000Z`, end: resetsAt.toISOString() },
      events: {
        accepted: counts.accepted,
        stored: counts.stored,
        rejected: counts.rejected,
        dead_lettered: counts.dead_lettered,
        limit: quota.quota,
        percentage: percent(quota.used, quota.quota)!,
        over_quota: quota.overQuota,
        overage: quota.overQuota === 'overage' ? Math.max(0, quota.used - quota.quota) : 0,
      },
      storage: {
        bytes: storage?.bytes ?? null,
        measured_on: storage?.day ?? null,
        limit: storageLimit,
        percentage: storage ? percent(storage.bytes, storageLimit) : null,
      },
      users: countUsage(users.total, limits.users),
      event_sources: countUsage(sources, limits.eventSources),
      warnings: quota.warnings,
    };
  }

  async daily(query: DailyUsageQuery, now = new Date()): Promise<DailyUsageResponse> {
    const today = now.toISOString().slice(0, 10);
    const to = query.to ?? today;
    const from = query.from ?? monthOf(now).firstDay;
    const toMs = dateMs(to, 'to');
    const fromMs = dateMs(from, 'from');
    if (toMs > Date.parse(`${today}T00:00:00Z`) + DAY_MS) {
      throw new InvalidInputException([{ field: 'to', message: 'to must not be after tomorrow' }]);
    }
    if (fromMs > toMs) {
      throw new InvalidInputException([{ field: 'from', message: 'from must not be after to' }]);
    }
    if ((toMs - fromMs) / DAY_MS + 1 > MAX_DAILY_RANGE_DAYS) {
      throw new InvalidInputException([
        { field: 'from', message: `the range may span at most ${MAX_DAILY_RANGE_DAYS} days` },
      ]);
    }
    return { from, to, data: await this.usage.daily(from, to) };
  }

  /**
   * Storage, users and event sources of the tenant's plan (the plan table). The one
   * place that knows them, until EntitlementsService.termsOf(tenant) (storageGb, users,
   * eventSources) replaces it.
   */
  private limitsOf(tenant: Tenant): UsageLimits {
    switch (tenant.tier) {
      case 'starter':
        return { storageGb: 10, users: 5, eventSources: 2 };
      case 'growth':
        return { storageGb: 50, users: 20, eventSources: 10 };
      default:
        return { storageGb: 500, users: null, eventSources: null };
    }
  }
}

function percent(value: number, limit: number | null): number | null {
  if (limit === null) return null;
  if (limit <= 0) return 100;
  return Math.round((value / limit) * 10_000) / 100;
}

function countUsage(count: number, limit: number | null): CountUsageResponse {
  return { count, limit, percentage: percent(count, limit) };
}

/** A real calendar date (2026-02-30 is refused), as its UTC midnight. */
function dateMs(text: string, field: string): number {
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new InvalidInputException([{ field, message: `${field} is not a calendar date` }]);
  }
  return ms;
}
