import type { Admin } from 'kafkajs';
import type { GroupOffsets, OffsetsDocument } from './offsets-document';
import type { BrokerState, CurrentGroup, PlannedGroup } from './reset-plan';

/** A consumer group and the topic it consumes. */
export interface GroupTopic {
  group: string;
  topic: string;
}

type Watermarks = Map<number, { low: string; high: string }>;

/** The topic's partitions and watermarks, or null when the topic does not exist. */
async function readWatermarks(
  admin: Admin,
  topic: string,
  topics: Set<string>,
): Promise<Watermarks | null> {
  if (!topics.has(topic)) return null;
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map(({ partition, low, high }) => [partition, { low, high }]));
}

/** What the group has committed on each partition of the topic ("-1": nothing). */
async function readCommitted(
  admin: Admin,
  group: string,
  topic: string,
): Promise<Map<number, string>> {
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, offset]));
}

/** The group's committed offsets with the watermarks, in the document's shape. */
function groupOffsets(
  topic: string,
  committed: Map<number, string>,
  watermarks: Watermarks | null,
): GroupOffsets {
  const partitions: GroupOffsets['partitions'] = {};
  for (const [partition, { low, high }] of [...(watermarks ?? [])].sort(([a], [b]) => a - b)) {
    partitions[String(partition)] = { committed: committed.get(partition) ?? '-1', low, high };
  }
  return { topic, partitions };
}

/**
 * The offsets.json of a backup: per group, what it has committed on each partition and the
 * partition's watermarks. The committed offsets are read before the watermarks, so each is at
 * most the high watermark beside it. A topic not created yet records no partitions.
 */
export async function recordOffsets(admin: Admin, groups: GroupTopic[]): Promise<OffsetsDocument> {
  const { clusterId } = await admin.describeCluster();
  const recordedAt = new Date().toISOString();
  const topics = new Set(await admin.listTopics());
  const document: OffsetsDocument = { cluster_id: clusterId, recorded_at: recordedAt, groups: {} };
  for (const { group, topic } of groups) {
    const committed = topics.has(topic)
      ? await readCommitted(admin, group, topic)
      : new Map<number, string>();
    document.groups[group] = groupOffsets(
      topic,
      committed,
      await readWatermarks(admin, topic, topics),
    );
  }
  return document;
}

/** What the broker holds now for every group of the document: the input of planReset. */
export async function readBrokerState(
  admin: Admin,
  recorded: OffsetsDocument,
): Promise<BrokerState> {
  const { clusterId } = await admin.describeCluster();
  const names = Object.keys(recorded.groups);
  const { groups: descriptions } = await admin.describeGroups(names);
  const states = new Map(descriptions.map(({ groupId, state }) => [groupId, String(state)]));
  const topics = new Set(await admin.listTopics());
  const groups: Record<string, CurrentGroup> = {};
  for (const [group, { topic }] of Object.entries(recorded.groups)) {
    const partitions = await readWatermarks(admin, topic, topics);
    groups[group] = {
      // An unknown group is described as Dead; one missing from the answer is treated alike.
      state: states.get(group) ?? 'Dead',
      partitions,
      committed: partitions ? await readCommitted(admin, group, topic) : new Map<number, string>(),
    };
  }
  return { clusterId, groups };
}

/** The broker state of the recorded groups in the document's shape (a reset report's "before"). */
export function currentOffsets(
  recorded: OffsetsDocument,
  state: BrokerState,
): Record<string, GroupOffsets> {
  const out: Record<string, GroupOffsets> = {};
  for (const [group, { topic }] of Object.entries(recorded.groups)) {
    const now = state.groups[group];
    out[group] = groupOffsets(topic, now?.committed ?? new Map(), now?.partitions ?? null);
  }
  return out;
}

/** The same after the planned offsets are committed (a reset report's "after"). */
export function plannedOffsets(
  recorded: OffsetsDocument,
  state: BrokerState,
  plan: PlannedGroup[],
): Record<string, GroupOffsets> {
  const out = currentOffsets(recorded, state);
  for (const { group, partitions } of plan) {
    for (const { partition, offset } of partitions) {
      out[group].partitions[String(partition)].committed = offset;
    }
  }
  return out;
}

/** Commits the planned offsets, group by group (kafkajs refuses a group with members). */
export async function applyPlan(
  admin: Admin,
  plan: PlannedGroup[],
  timeoutMs = 60_000,
): Promise<void> {
  for (const { group, topic, partitions } of plan) {
    // kafkajs retries forever when the topic vanished since the plan was made: bound it.
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`setting the offsets of ${group} on ${topic} took over ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([admin.setOffsets({ groupId: group, topic, partitions }), expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
