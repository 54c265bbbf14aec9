import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ThrottledWarning } from '../../common/throttled-warning';
import { type QueryPriority, runWithQueryPriority } from '../../common/query-priority';
import { requestSignal, runWithSignal } from '../../common/request-abort';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { DataVersionsStore } from '../cache/data-versions.store';
import { normalisedQuery } from '../cache/normalised-query';
import { type AnalyticsQuery, previousPeriod } from '../query/analytics-query';
import { ResultCacheStore } from '../cache/result-cache.store';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';
import { queryTimeExceeded, StoreLimitExceededException } from '../stores/store-limits';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { AnalyticsQueryRefusedException } from './analytics-query-refused.exception';
import { BackgroundQueryRunner } from './background-query.runner';
import { markCacheHit } from './cache-outcome';
import { runWithQueryLimits } from './query-limits';
import { isRefusal, QuerySlotsStore } from './query-slots.store';
import { QueryTurnExpiredException } from './query-turn-expired.exception';

export const ANALYTICS_QUERY_REFUSALS = 'tenantry_analytics_query_refusals_total';
export const ANALYTICS_QUERY_LIMIT_STOPS = 'tenantry_analytics_query_limit_stops_total';
export const ANALYTICS_CACHE_LOOKUPS = 'tenantry_analytics_cache_lookups_total';
export const ANALYTICS_QUERY_PRIORITIES = 'tenantry_analytics_query_priorities_total';
export const ANALYTICS_QUERY_TURN_TIMEOUTS = 'tenantry_analytics_query_turn_timeouts_total';

/**
 * Routes whose one query can take most of the store's cores (a funnel or retention over a large
 * tenant: seconds of both cores on the bench machine): they always run in the background, so a
 * dashboard's light reads never wait behind them, whoever runs them.
 */
const HEAVY_ROUTES = new Set(['funnel', 'retention']);

/** One analytics question, as a route hands it over once its input is validated. */
export interface FairQuery<T> {
  tenant: Tenant;
  /** The route's short name (summary, funnel, embed_widget, …): a metric label and key part. */
  route: string;
  /** The question in one text (cache/normalised-query.ts). */
  normalised: string;
  /** Every instant the answer reads events from (a summary's period before included). */
  reads: { from: Date; to: Date };
  compute: () => Promise<T>;
}

/**
 * Answers analytics questions so that no tenant can take the store from the others:
 *
 * 1. From the tenant's result cache when the same question was answered within
 *    ANALYTICS_CACHE_SECONDS and no event of its range arrived since (data versions). A hit
 *    takes no query slot: it costs the store nothing.
 * 2. Otherwise within the tenant's plan limits: a slot of its concurrent queries (429 with
 *    Retry-After when none is free), and its time per query, enforced by the store
 *    (PostgreSQL statement_timeout) or by the app (a ClickHouse read is killed at the deadline);
 *    either way a 503 naming `analytics_query_seconds`.
 * 3. At a fair priority: the tenant's only running query at normal priority, its 2nd and later
 *    at once, and every funnel and retention, in the background: they take turns
 *    (BackgroundQueryRunner: round robin between tenants, a wait past the tenant's time per
 *    query a 503 naming that limit) and, on ClickHouse, run as the low-priority reader, which
 *    the server pauses while anyone's normal query runs. Priority alone was not enough on two
 *    cores: eight paused-and-resumed funnels still tripled another tenant's p99 (bench:fairness).
 *
 * The routes run outside the request's tenant transaction (@FairQuery): the input is parsed in a
 * short one (`inTenant`), and a PostgreSQL query opens its own only once admitted, so queries
 * waiting for a slot or refused never hold a pooled connection.
 */
@Injectable()
export class FairQueryService {
  private readonly logger = new Logger(FairQueryService.name);
  /** Redis down: every query would say so; once a minute per process is enough. */
  private readonly cacheWarning = new ThrottledWarning(this.logger);

  constructor(
    private readonly entitlements: EntitlementsService,
    private readonly slots: QuerySlotsStore,
    private readonly versions: DataVersionsStore,
    private readonly cache: ResultCacheStore,
    private readonly background: BackgroundQueryRunner,
    private readonly tenantContext: TenantContext,
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
    @InjectMetric(ANALYTICS_QUERY_REFUSALS) private readonly refusals: Counter<string>,
    @InjectMetric(ANALYTICS_QUERY_LIMIT_STOPS) private readonly stops: Counter<string>,
    @InjectMetric(ANALYTICS_CACHE_LOOKUPS) private readonly lookups: Counter<string>,
    @InjectMetric(ANALYTICS_QUERY_PRIORITIES) private readonly priorities: Counter<string>,
    @InjectMetric(ANALYTICS_QUERY_TURN_TIMEOUTS) private readonly turnTimeouts: Counter<string>,
  ) {}

  /** Runs a route's input parsing (which reads the tenant's settings) in a short transaction. */
  inTenant<T>(tenant: Tenant, work: () => Promise<T>): Promise<T> {
    return this.tenantContext.runInTenant(tenant.id, work);
  }

  /**
   * A /v1/analytics route's answer from its parsed parameters; `withPreviousPeriod` when the
   * answer also reads the period before the range (summary).
   */
  ask<T>(
    tenant: Tenant,
    route: string,
    raw: Record<string, unknown>,
    params: { query: AnalyticsQuery },
    compute: () => Promise<T>,
    withPreviousPeriod = false,
  ): Promise<T> {
    const { filter, earliest } = params.query;
    const from = withPreviousPeriod ? previousPeriod(filter, earliest).from : filter.from;
    return this.answer({
      tenant,
      route,
      normalised: normalisedQuery(route, params, raw),
      reads: { from: from < filter.from ? from : filter.from, to: filter.to },
      compute,
    });
  }

  async answer<T>(query: FairQuery<T>): Promise<T> {
    const { route } = query;
    const key = await this.cacheKey(query);
    if (key) {
      const cached = await this.cache.get(key);
      this.lookups.inc({ route, result: cached === undefined ? 'miss' : 'hit' });
      if (cached !== undefined) {
        markCacheHit();
        return JSON.parse(cached) as T;
      }
    }
    const result = await this.withinLimits(query);
    if (key) await this.cache.set(key, JSON.stringify(result));
    return result;
  }

  /** The cache key, or undefined when the cache is off or Redis did not answer. */
  private async cacheKey<T>({ tenant, route, normalised, reads }: FairQuery<T>) {
    if (!this.cache.enabled) return undefined;
    try {
      const versions = await this.versions.versionsOf(tenant.id, reads.from, reads.to);
      return this.cache.keyOf(tenant.id, route, normalised, versions);
    } catch (error) {
      this.cacheWarning.warn(
        { err: error, tenant_id: tenant.id },
        'analytics cache skipped: data versions unavailable',
      );
      return undefined;
    }
  }

  private async withinLimits<T>({ tenant, route, compute }: FairQuery<T>): Promise<T> {
    const terms = await this.entitlements.termsOf(tenant);
    const limit = terms.analyticsConcurrentQueries;
    const slot = await this.slots.acquire(tenant.id, limit);
    if (isRefusal(slot)) {
      this.refusals.inc({ tier: tenant.tier, reason: 'concurrent_queries' });
      this.logger.log({
        msg: 'analytics query refused: concurrent queries',
        tenant_id: tenant.id,
        route,
        limit,
        running: slot.running,
      });
      throw new AnalyticsQueryRefusedException(tenant.tier, limit, slot.retryAfterSeconds);
    }
    const client = requestSignal();
    // Decided at admission: a 2nd query keeps its priority when the 1st ends (short queries).
    const priority: QueryPriority =
      slot.running > 1 || HEAVY_ROUTES.has(route) ? 'background' : 'normal';
    this.priorities.inc({ priority, store: this.store.kind });
    const seconds = terms.analyticsQuerySeconds;
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const run = () => {
      // The time limit counts from when the query starts, not from its wait for a turn.
      timer = setTimeout(
        () => deadline.abort(new Error(`the tenant's ${seconds} s per query passed`)),
        seconds * 1000,
      );
      const signal = client ? AbortSignal.any([client, deadline.signal]) : deadline.signal;
      const limited = () =>
        runWithSignal(signal, () =>
          runWithQueryPriority(priority, () =>
            runWithQueryLimits({ seconds, rowsPerQuery: terms.analyticsRowsPerQuery }, compute),
          ),
        );
      // PostgreSQL reads need the tenant's transaction (RLS), opened only now; ClickHouse none.
      return this.store.kind === 'postgres'
        ? this.tenantContext.runInTenant(tenant.id, limited)
        : limited();
    };
    try {
      return await (priority === 'background'
        ? this.background.run(tenant.id, { signal: client, maxWaitSeconds: seconds }, run)
        : run());
    } catch (error) {
      if (error instanceof QueryTurnExpiredException) {
        this.turnTimeouts.inc({ tier: tenant.tier });
        this.logger.warn({
          msg: 'analytics query waited past its time per query for a turn: not run',
          tenant_id: tenant.id,
          route,
          limit: error.limit,
          seconds,
          waiting: this.background.waiting,
        });
        throw error;
      }
      // A ClickHouse read killed at the deadline fails as an abort: answer it as the limit.
      const stopped =
        error instanceof StoreLimitExceededException
          ? error
          : deadline.signal.aborted && !client?.aborted
            ? queryTimeExceeded(seconds)
            : undefined;
      if (stopped) {
        this.stops.inc({ limit: stopped.limit, store: this.store.kind });
        this.logger.warn({
          msg: 'analytics query stopped by a limit',
          tenant_id: tenant.id,
          route,
          limit: stopped.limit,
          store: this.store.kind,
        });
        throw stopped;
      }
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
      await slot.release();
    }
  }
}
