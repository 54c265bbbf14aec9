import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { TenantStatisticsService } from '../../tenancy/tenant-statistics.service';
import { TenantsService } from '../../tenancy/tenants.service';
import { UsageRepository } from '../usage/usage.repository';
import { StorageCatalogueRepository } from './storage-catalogue.repository';
import { isDeleted } from '../../tenancy/tenant.entity';

export const STORAGE_TENANTS_MEASURED = 'tenantry_storage_tenants_measured_total';

const PAGE = 100;

/**
 * Estimates each tenant's storage once a day into usage_daily.storage_bytes, from each store's
 * own statistics, never by reading the data:
 * - PostgreSQL: per tenant-owned table, its total size (heap, TOAST, indexes) over its row
 *   estimate (pg_class.reltuples, kept by ANALYZE), times the tenant's rows in it (counted
 *   under the tenant's RLS scope). Tables share pages, so this is the tenant's share by rows.
 * - ClickHouse (when it is the event store): the events table's active parts, bytes on disk over
 *   rows (compressed), times the tenant's events.
 */
@Injectable()
export class StorageUsageRefresher {
  private readonly logger = new Logger(StorageUsageRefresher.name);

  constructor(
    private readonly catalogue: StorageCatalogueRepository,
    private readonly usage: UsageRepository,
    private readonly tenantContext: TenantContext,
    private readonly moduleRef: ModuleRef,
    @InjectMetric(STORAGE_TENANTS_MEASURED) private readonly measured: Counter<string>,
  ) {}

  /** The app's event store (IngestionModule's), found when the job runs. */
  private get store(): EventStore {
    return this.moduleRef.get<EventStore>(EVENT_STORE, { strict: false });
  }

  private get tenants(): TenantsService {
    return this.moduleRef.get(TenantsService, { strict: false });
  }

  private get statistics(): TenantStatisticsService {
    return this.moduleRef.get(TenantStatisticsService, { strict: false });
  }

  /** Measures every tenant that is not deleted; answers how many. */
  async measureAll(now = new Date()): Promise<{ tenants: number }> {
    const day = now.toISOString().slice(0, 10);
    const sizes = new Map(
      (await this.catalogue.tableRowSizes()).map((t) => [t.table, t.bytesPerRow]),
    );
    const clickhouseBytesPerRow =
      this.store instanceof ClickHouseEventStore ? await this.store.bytesPerRow() : null;
    let measured = 0;
    for (let page = 1; ; page += 1) {
      const batch = await this.tenants.list({ page, limit: PAGE });
      for (const tenant of batch.data) {
        if (isDeleted(tenant.status)) continue;
        try {
          await this.measure(tenant.id, day, sizes, clickhouseBytesPerRow);
          measured += 1;
          this.measured.inc();
        } catch (error) {
          this.logger.error({ err: error, tenant_id: tenant.id }, 'storage estimate failed');
        }
      }
      if (batch.data.length < PAGE || page * PAGE >= batch.total) break;
    }
    this.logger.log({ msg: 'storage measured', tenants: measured, day });
    return { tenants: measured };
  }

  /** One tenant's estimate in bytes, written for `day`. */
  async measure(
    tenantId: string,
    day: string,
    sizes: Map<string, number>,
    clickhouseBytesPerRow: number | null,
  ): Promise<number> {
    const { rows } = await this.statistics.forTenant(tenantId);
    let bytes = 0;
    for (const [table, count] of Object.entries(rows)) bytes += count * (sizes.get(table) ?? 0);
    if (clickhouseBytesPerRow !== null) {
      bytes += (await this.store.countEvents(tenantId)) * clickhouseBytesPerRow;
    }
    const total = Math.round(bytes);
    await this.tenantContext.runInTenant(tenantId, () =>
      this.usage.setStorage(tenantId, day, total),
    );
    return total;
  }
}
