import { createHash } from 'node:crypto';

/**
 * The shard (0-based) a tenant's events live on in a cluster of `shards`: the first 8 bytes of
 * MD5 over the tenant id's text, big-endian, modulo the shard count. That is ClickHouse's own
 * `halfMD5(toString(tenant_id)) % shards`, the sharding key of the Distributed tables
 * (migrations/clickhouse/schema.ts), so the app's direct inserts land where an insert through
 * `events_dist` would (test/analytics/clickhouse-cluster.e2e-spec.ts checks it with a real
 * insert). Stable: a tenant's every event, re-deliveries included, lands on one shard, which is
 * what makes FINAL and a tenant's reads correct per shard.
 */
export function shardOf(tenantId: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`not a shard count: ${shards}`);
  if (shards === 1) return 0;
  // toString(UUID) in ClickHouse is the lowercase canonical form.
  const digest = createHash('md5').update(tenantId.toLowerCase()).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(shards));
}
