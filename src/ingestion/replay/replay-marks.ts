/**
 * Where a restore's replay starts being new: per partition, the offset below which every
 * message was metered (usage, quota) before the disaster. Such a message is stored again (the
 * stores lost it, dedup makes it safe) but not counted again.
 */
export class ReplayMarks {
  static readonly NONE = new ReplayMarks(new Map());

  constructor(private readonly untilOffset: ReadonlyMap<number, bigint>) {}

  get size(): number {
    return this.untilOffset.size;
  }

  /** True for a message of `partition` at `offset` that was metered before the restore. */
  metered(partition: number, offset: string | undefined): boolean {
    const mark = this.untilOffset.get(partition);
    return mark !== undefined && offset !== undefined && BigInt(offset) < mark;
  }
}
