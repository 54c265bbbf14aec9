/** Messages of `topic`/`partition` below `untilOffset` were metered before the disaster. */
export interface ReplayMark {
  topic: string;
  partition: number;
  untilOffset: string;
}

/** The groups a reset report describes in its `before`. */
type GroupsDocument = Record<
  string,
  { topic?: unknown; partitions?: Record<string, { committed?: unknown } | undefined> }
>;

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const OFFSET = /^(-1|\d{1,19})$/;
/** Far more partitions than any topic here has: a report with more is not one of ours. */
const MAX_MARKS = 10_000;

/**
 * The marks a `kafka-offsets reset --report` document gives: per topic and partition, the
 * offset each group had committed before the reset (`before`), i.e. how far the lost stores
 * had metered. A partition never committed ("-1") gets no mark. Throws, naming the field, on
 * anything else than that shape.
 */
export function replayMarksOf(report: unknown): ReplayMark[] {
  const groups = (report as { before?: unknown } | null)?.before as GroupsDocument | undefined;
  if (!groups || typeof groups !== 'object' || Array.isArray(groups)) {
    throw new Error('replay marks: the report has no "before" object of groups');
  }
  const marks = new Map<string, ReplayMark>();
  for (const [group, entry] of Object.entries(groups)) {
    const topic = entry?.topic;
    if (typeof topic !== 'string' || !TOPIC.test(topic)) {
      throw new Error(`replay marks: before.${group}.topic is not a topic name`);
    }
    for (const [partition, offsets] of Object.entries(entry.partitions ?? {})) {
      const committed = offsets?.committed;
      if (!/^\d{1,9}$/.test(partition)) {
        throw new Error(`replay marks: before.${group}.partitions.${partition} is not a partition`);
      }
      if (typeof committed !== 'string' || !OFFSET.test(committed)) {
        throw new Error(
          `replay marks: before.${group}.partitions.${partition}.committed is not an offset`,
        );
      }
      if (committed === '-1') continue;
      const key = `${topic}/${partition}`;
      const seen = marks.get(key);
      // Two groups on one topic: only what both metered is certain, the lower offset.
      if (!seen || BigInt(committed) < BigInt(seen.untilOffset)) {
        marks.set(key, { topic, partition: Number(partition), untilOffset: committed });
      }
      if (marks.size > MAX_MARKS) throw new Error(`replay marks: more than ${MAX_MARKS}`);
    }
  }
  return [...marks.values()];
}
