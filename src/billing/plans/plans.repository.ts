import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlatformDatabase } from '../../database/platform.database';
import type { TenantTier } from '../../tenancy/tenant.entity';
import { Plan } from './plan.entity';

type AnalyticsLimits = 'analyticsConcurrentQueries' | 'analyticsQuerySeconds' | 'analyticsRowsPerQuery';

/** A new version's figures; analytics limits left out carry over from the current version. */
export type NewPlanVersion = Omit<Plan, 'id' | 'version' | 'createdAt' | AnalyticsLimits> &
  Partial<Pick<Plan, AnalyticsLimits>>;

/**
 * The plan catalogue (platform-owned, immutable versions). Entitlements read it on the app
 * role's connection; new versions are written on the platform role's.
 */
@Injectable()
export class PlansRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly platform: PlatformDatabase,
  ) {}

  findById(id: string): Promise<Plan | null> {
    return this.dataSource.getRepository(Plan).findOneBy({ id });
  }

  /** Every version, by code then version. */
  listAll(): Promise<Plan[]> {
    return this.platform.manager
      .getRepository(Plan)
      .find({ order: { code: 'ASC', version: 'ASC' } });
  }

  /** The current version of each code: its highest. */
  listCurrent(): Promise<Plan[]> {
    return this.platform.manager
      .getRepository(Plan)
      .createQueryBuilder('plan')
      .distinctOn(['plan.code'])
      .orderBy('plan.code', 'ASC')
      .addOrderBy('plan.version', 'DESC')
      .getMany();
  }

  /** The current version of `code` on the app role's connection (provisioning a tenant). */
  currentOf(code: TenantTier): Promise<Plan | null> {
    return this.dataSource
      .getRepository(Plan)
      .findOne({ where: { code }, order: { version: 'DESC' } });
  }

  /**
   * Adds the next version of `values.code` in one statement (version = highest + 1); two
   * concurrent additions of one code collide on (code, version), and the caller answers 409.
   */
  async insertNextVersion(values: NewPlanVersion): Promise<Plan> {
    const rows = await this.platform.query<{ id: string }[]>(
      `INSERT INTO plans (code, version, price_cents_per_month, events_per_month, over_quota,
                          overage_cents_per_1000_events, api_requests_per_minute, storage_gb,
                          users, event_sources, data_retention_days, features,
                          analytics_concurrent_queries, analytics_query_seconds,
                          analytics_rows_per_query)
       SELECT $1::varchar, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text[],
              coalesce($12::integer, (array_agg(analytics_concurrent_queries ORDER BY version DESC))[1], 2),
              coalesce($13::integer, (array_agg(analytics_query_seconds ORDER BY version DESC))[1], 10),
              coalesce($14::integer, (array_agg(analytics_rows_per_query ORDER BY version DESC))[1], 20000000)
         FROM plans WHERE code = $1::varchar
       RETURNING id`,
      [
        values.code,
        values.priceCentsPerMonth,
        values.eventsPerMonth,
        values.overQuota,
        values.overageCentsPer1000Events,
        values.apiRequestsPerMinute,
        values.storageGb,
        values.users,
        values.eventSources,
        values.dataRetentionDays,
        values.features,
        values.analyticsConcurrentQueries ?? null,
        values.analyticsQuerySeconds ?? null,
        values.analyticsRowsPerQuery ?? null,
      ],
    );
    return this.platform.manager.getRepository(Plan).findOneByOrFail({ id: rows[0].id });
  }
}
