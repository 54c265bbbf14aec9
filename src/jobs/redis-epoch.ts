/**
 * What a check of the epoch key calls for. The key is set once per Redis lifetime; it missing
 * means Redis was flushed, replaced or restored empty since it was last seen. On this process's
 * first contact there is nothing to rebuild: the boot paths (schedulers, erasure resume) do it.
 */
export type EpochAction = 'none' | 'claim' | 'rebuild';

export function epochAction(epochPresent: boolean, firstContact: boolean): EpochAction {
  if (epochPresent) return 'none';
  return firstContact ? 'claim' : 'rebuild';
}

/** The epoch key, per database like every key the app writes. */
export function epochKey(database: string): string {
  return `tenantry:${database}:epoch`;
}
