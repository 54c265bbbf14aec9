import type { Placement } from '../../../database/placements/placement';

/**
 * Where a placement's events live in ClickHouse: a cluster (by its remote_servers name) or the
 * single server (null), and a database on it. Each placement names one (placements table,
 * `clickhouse_cluster`, `clickhouse_database`); one ClickHouseEventStore serves one target.
 */
export interface ClickHouseTarget {
  readonly cluster: string | null;
  readonly database: string;
}

/** The servers of a cluster target, in shard order (the order of its remote_servers shards). */
export interface ClickHouseCluster {
  readonly name: string;
  readonly nodeUrls: readonly string[];
}

/**
 * A placement's target: its own cluster and database, its cluster left NULL meaning the
 * configured one (CLICKHOUSE_CLUSTER, or the single server when that is unset).
 */
export function clickhouseTargetOf(
  placement: Pick<Placement, 'clickhouseCluster' | 'clickhouseDatabase'>,
  configuredCluster: string | undefined,
): ClickHouseTarget {
  return {
    cluster: placement.clickhouseCluster ?? configuredCluster ?? null,
    database: placement.clickhouseDatabase,
  };
}

/** One key per target, for a map of stores by target. */
export const targetKey = (target: ClickHouseTarget): string =>
  `${target.cluster ?? ''}/${target.database}`;
