import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AnalyticsStore } from '../../src/analytics/stores/analytics-store';
import { ClickHouseAnalyticsStore } from '../../src/analytics/stores/clickhouse-analytics.store';
import { PostgresAnalyticsStore } from '../../src/analytics/stores/postgres-analytics.store';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { PostgresEventStore } from '../../src/ingestion/store/postgres-event.store';
import type { ClickHouseTestCluster } from './clickhouse-cluster';
import type { TestApp } from './test-app';

/**
 * Both analytics adapters over the test databases, and a writer that fills both event stores;
 * with a `cluster`, a third: ClickHouse's adapter over that two-shard cluster, which must answer
 * every parity question as the single server does.
 */
export interface BothStores {
  stores: AnalyticsStore[];
  write(rows: EventRow[]): Promise<void>;
  close(): Promise<void>;
}

export async function openBothStores(
  t: TestApp,
  cluster?: ClickHouseTestCluster,
): Promise<BothStores> {
  const tenantContext = t.app.get(TenantContext);
  const postgres = new PostgresEventStore(tenantContext, t.app.get(DataSource));
  const clickhouse = new ClickHouseEventStore(
    process.env.CLICKHOUSE_URL!,
    process.env.CLICKHOUSE_DATABASE!,
  );
  const clickhouses = [clickhouse];
  if (cluster) clickhouses.push(cluster.store(process.env.CLICKHOUSE_DATABASE!));
  await postgres.prepare();
  for (const store of clickhouses) await store.prepare();
  return {
    stores: [
      new PostgresAnalyticsStore(tenantContext),
      ...clickhouses.map(
        (store) => new ClickHouseAnalyticsStore(store, process.env.CLICKHOUSE_DATABASE!),
      ),
    ],
    write: async (rows) => {
      await postgres.write(rows);
      for (const store of clickhouses) await store.write(rows);
    },
    close: async () => {
      for (const store of clickhouses) await store.close();
    },
  };
}

/** One event row for a test, with what the test does not care about filled in. */
export function eventRow(
  tenantId: string,
  eventType: string,
  timestamp: Date,
  userId: string,
  properties: Record<string, string | number | boolean> = {},
): EventRow {
  return {
    tenantId,
    eventId: randomUUID(),
    eventType,
    timestamp,
    userId,
    sessionId: userId ? `session-${userId}` : '',
    properties,
    receivedAt: new Date(),
  };
}
