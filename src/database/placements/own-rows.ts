/**
 * The rows one cross-tenant reader returned from one placement database (issue 18): `null` is
 * the control database, any other value the id of the placement whose database was read.
 */
export interface PlacementRows<T> {
  readonly placementId: string | null;
  readonly rows: readonly T[];
}

/**
 * The own-row rule of the fan-out readers: a tenant's row is kept only from the database control
 * places the tenant in, so a move's leftovers on the old placement, or a copy made ahead of one,
 * never show twice. From the control database, a tenant's row is also kept when its placement is
 * none of the other databases read (a draining or disabled one: control's is the only copy read).
 * Rows with no tenant (the platform's own) are the control database's only. A tenant control no
 * longer knows (`homes` has no entry) is dropped.
 *
 * `groups` lists every other database meant to be read, an unreachable one with no rows, so its
 * tenants' leftovers in control are not taken for theirs.
 */
export function keepOwnRows<T extends { tenant_id: string | null }>(
  groups: readonly PlacementRows<T>[],
  homes: ReadonlyMap<string, string>,
): T[] {
  const others = new Set(groups.map((group) => group.placementId).filter((id) => id !== null));
  const kept: T[] = [];
  for (const group of groups) {
    for (const row of group.rows) {
      const home = row.tenant_id === null ? null : homes.get(row.tenant_id);
      const own =
        group.placementId === null
          ? home === null || (home !== undefined && !others.has(home))
          : home === group.placementId;
      if (own) kept.push(row);
    }
  }
  return kept;
}

/** The tenant ids of every row read, for the one lookup of their placements in control. */
export function tenantIdsOf<T extends { tenant_id: string | null }>(
  groups: readonly PlacementRows<T>[],
): string[] {
  const ids = new Set<string>();
  for (const group of groups) {
    for (const row of group.rows) if (row.tenant_id !== null) ids.add(row.tenant_id);
  }
  return [...ids];
}
