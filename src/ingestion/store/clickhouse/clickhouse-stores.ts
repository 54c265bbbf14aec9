import { ClickHouseEventStore } from '../clickhouse-event.store';
import type { ClickHouseUsers } from './clickhouse-node';
import { type ClickHouseCluster, type ClickHouseTarget, targetKey } from './clickhouse-target';

/**
 * The ClickHouse event store of each target a placement names, one per (cluster, database),
 * made on first use over the configured servers and users: the configured cluster's
 * (CLICKHOUSE_CLUSTER, CLICKHOUSE_NODE_URLS) for a target on it, else the single server at
 * CLICKHOUSE_URL. The configured target (CLICKHOUSE_DATABASE on them) is the app's store itself.
 * A target on a cluster this process does not know is refused: its servers are not configured.
 * Targets come resolved (clickhouseTargetOf: a placement's NULL cluster is the configured one).
 */
export class ClickHouseStores {
  private readonly stores = new Map<string, ClickHouseEventStore>();

  constructor(
    private readonly url: string,
    private readonly users: ClickHouseUsers,
    private readonly cluster: ClickHouseCluster | undefined,
    private readonly configured: ClickHouseEventStore,
  ) {
    this.stores.set(targetKey(configured.target), configured);
  }

  /** The store of `target`; its schema is applied on its first use (prepare). */
  forTarget(target: ClickHouseTarget): ClickHouseEventStore {
    const key = targetKey(target);
    const known = this.stores.get(key);
    if (known) return known;
    if (target.cluster !== null && target.cluster !== this.cluster?.name) {
      throw new Error(
        `ClickHouse cluster ${target.cluster} is not configured here (CLICKHOUSE_CLUSTER=${this.cluster?.name ?? ''})`,
      );
    }
    const store = new ClickHouseEventStore(
      this.url,
      target.database,
      this.users,
      target.cluster === null ? undefined : this.cluster,
    );
    this.stores.set(key, store);
    return store;
  }

  /** Closes every store made here (the configured one is closed by its owner). */
  async close(): Promise<void> {
    const made = [...this.stores.values()].filter((store) => store !== this.configured);
    await Promise.all(made.map((store) => store.close()));
  }
}
