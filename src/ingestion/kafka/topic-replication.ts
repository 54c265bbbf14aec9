/**
 * How many copies of each partition the app's topics get, and how many must hold a write before
 * an acks=all producer hears it was taken.
 */
export interface TopicReplication {
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** Three copies: one broker may die (or be restarted) while a write still lands on two. */
export const WANTED_REPLICAS = 3;

/** What a new topic gets on a cluster of `brokers` live brokers: as many copies as it has, up to three. */
export function replicationFor(brokers: number): TopicReplication {
  const replicationFactor = Math.max(1, Math.min(WANTED_REPLICAS, brokers));
  return { replicationFactor, minInsyncReplicas: minInsyncReplicasFor(replicationFactor) };
}

/**
 * With three copies or more, a write waits for two: nothing acknowledged lives on one disk only,
 * and one copy may be down. With fewer, one: otherwise any broker down would refuse every write.
 */
export function minInsyncReplicasFor(replicas: number): number {
  return replicas >= WANTED_REPLICAS ? 2 : 1;
}
