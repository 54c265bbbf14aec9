import type { GroupOffsets, OffsetsDocument } from './offsets-document';

/** What the broker holds now for one group of the document, read just before a reset. */
export interface CurrentGroup {
  /** The group's state from DescribeGroups: Empty, Dead, Stable, PreparingRebalance, … */
  state: string;
  /** The topic's partitions and their watermarks, or null when the topic does not exist. */
  partitions: Map<number, { low: string; high: string }> | null;
  /** What the group has committed on each partition now ("-1": nothing). */
  committed: Map<number, string>;
}

export interface BrokerState {
  clusterId: string;
  groups: Record<string, CurrentGroup>;
}

/** Events a reset skips because retention deleted them before the restore. */
export interface OffsetGap {
  group: string;
  topic: string;
  partition: number;
  recorded: string;
  low: string;
  lost: string;
}

export interface PlannedGroup {
  group: string;
  topic: string;
  partitions: { partition: number; offset: string }[];
}

export type ResetPlan =
  { ok: true; groups: PlannedGroup[]; gaps: OffsetGap[] } | { ok: false; refusals: string[] };

/** Groups whose offsets may be set: no member (the app is stopped) or no group at all. */
const RESETTABLE_STATES = new Set(['Empty', 'Dead']);

/**
 * Where each recorded group restarts after a restore, or why it must not. Per partition the
 * target is the committed offset the backup recorded, or the low watermark when the group had
 * committed nothing there (the consumer would start from the earliest too). Refused: another
 * cluster (a reformatted broker: its offsets are another log's), a group with members, a
 * missing topic the backup had committed on, a partition the topic no longer has, a target
 * past the partition's end (not the same log), and a target retention has deleted, unless
 * `acceptGap` (then the partition starts at its low watermark and the loss is reported).
 * Partitions the topic gained since the backup are left as they are.
 */
export function planReset(
  recorded: OffsetsDocument,
  current: BrokerState,
  options: { acceptGap: boolean },
): ResetPlan {
  if (recorded.cluster_id !== current.clusterId) {
    return {
      ok: false,
      refusals: [
        `the broker is cluster ${current.clusterId}, the offsets were recorded on cluster ` +
          `${recorded.cluster_id}: the broker was reformatted or replaced, so there is nothing ` +
          'to replay from (events accepted after the backup are lost)',
      ],
    };
  }
  const refusals: string[] = [];
  const groups: PlannedGroup[] = [];
  const gaps: OffsetGap[] = [];
  for (const [group, offsets] of Object.entries(recorded.groups)) {
    const now = current.groups[group];
    if (!now) {
      refusals.push(`group ${group}: its current state was not read`);
      continue;
    }
    if (!RESETTABLE_STATES.has(now.state)) {
      refusals.push(
        `group ${group} is ${now.state}, not Empty: stop every app copy consuming it first`,
      );
    }
    const planned = planGroup(group, offsets, now, options.acceptGap);
    refusals.push(...planned.refusals);
    gaps.push(...planned.gaps);
    if (planned.partitions.length > 0) {
      groups.push({ group, topic: offsets.topic, partitions: planned.partitions });
    }
  }
  return refusals.length > 0 ? { ok: false, refusals } : { ok: true, groups, gaps };
}

function planGroup(
  group: string,
  recorded: GroupOffsets,
  now: CurrentGroup,
  acceptGap: boolean,
): { partitions: PlannedGroup['partitions']; gaps: OffsetGap[]; refusals: string[] } {
  const entries = Object.entries(recorded.partitions).map(
    ([partition, offsets]) => [Number(partition), offsets] as const,
  );
  const refusals: string[] = [];
  const gaps: OffsetGap[] = [];
  const partitions: PlannedGroup['partitions'] = [];
  if (!now.partitions) {
    // A fresh broker before the app created its topics: fine only when nothing was consumed.
    if (entries.some(([, offsets]) => offsets.committed !== '-1')) {
      refusals.push(
        `topic ${recorded.topic} does not exist, but group ${group} had committed offsets on it`,
      );
    }
    return { partitions, gaps, refusals };
  }
  for (const [partition, offsets] of entries.sort(([a], [b]) => a - b)) {
    const where = `group ${group}, ${recorded.topic} partition ${partition}`;
    const watermarks = now.partitions.get(partition);
    if (!watermarks) {
      refusals.push(
        `${where}: the topic has ${now.partitions.size} partitions now, fewer than the backup's`,
      );
      continue;
    }
    const low = BigInt(watermarks.low);
    const high = BigInt(watermarks.high);
    let target = offsets.committed === '-1' ? low : BigInt(offsets.committed);
    if (target > high) {
      refusals.push(
        `${where}: the recorded offset ${target} is past the partition's end ${high}, so this ` +
          'is not the log the backup was taken from',
      );
      continue;
    }
    if (target < low) {
      const lost = low - target;
      if (!acceptGap) {
        refusals.push(
          `${where}: retention deleted ${lost} events between the recorded offset ${target} ` +
            `and the partition's start ${low}; pass --accept-gap to start at ${low} and lose them`,
        );
        continue;
      }
      gaps.push({
        group,
        topic: recorded.topic,
        partition,
        recorded: String(target),
        low: String(low),
        lost: String(lost),
      });
      target = low;
    }
    partitions.push({ partition, offset: String(target) });
  }
  return { partitions, gaps, refusals };
}
