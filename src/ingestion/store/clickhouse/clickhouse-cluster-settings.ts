import type { ClickHouseCluster } from './clickhouse-target';

/** 1 to 16 HTTP URLs, comma-separated. */
export const CLICKHOUSE_NODE_URLS_PATTERN = /^https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+){0,15}$/;

interface ClusterSettings {
  CLICKHOUSE_URL?: string;
  CLICKHOUSE_CLUSTER?: string;
  CLICKHOUSE_NODE_URLS?: string;
}

/** The configured cluster (CLICKHOUSE_CLUSTER, CLICKHOUSE_NODE_URLS), or undefined for one server. */
export function clickhouseClusterOf(settings: ClusterSettings): ClickHouseCluster | undefined {
  if (!settings.CLICKHOUSE_CLUSTER || !settings.CLICKHOUSE_NODE_URLS) return undefined;
  return {
    name: settings.CLICKHOUSE_CLUSTER,
    nodeUrls: settings.CLICKHOUSE_NODE_URLS.split(',').map((url) => url.replace(/\/+$/, '')),
  };
}

/**
 * What is wrong with the cluster settings together (each alone is checked by its decorator), as
 * a line of the start-up error, or null. CLICKHOUSE_URL stays the switch for ClickHouse as the
 * event store and what /health and the CLIs reach, so a cluster needs it too.
 */
export function clickhouseClusterProblem(settings: ClusterSettings): string | null {
  const { CLICKHOUSE_CLUSTER: cluster, CLICKHOUSE_NODE_URLS: urls } = settings;
  if (urls && !cluster) return '  CLICKHOUSE_CLUSTER: is missing (CLICKHOUSE_NODE_URLS is set)';
  if (!cluster || !urls) return null;
  if (!settings.CLICKHOUSE_URL) return '  CLICKHOUSE_URL: is missing (CLICKHOUSE_CLUSTER is set)';
  const nodes = clickhouseClusterOf(settings)?.nodeUrls ?? [];
  if (new Set(nodes).size !== nodes.length) {
    return '  CLICKHOUSE_NODE_URLS: names a server twice';
  }
  return null;
}
