import type { DataSource } from 'typeorm';

/**
 * Where a tenant's rows live: a PostgreSQL database (the control database for the pooled
 * placement, a dedicated one for a siloed tenant) and a ClickHouse target. The `placements`
 * table in the control database lists them; it never holds a password, only a reference
 * (`connection_ref`) to where the connection settings are.
 *
 * This file is the contract between the placement core (directory, pools, routing in
 * TenantContext) and its users (the online tenant move, the fan-out readers, the admin routes).
 */
export type PlacementKind = 'pooled' | 'siloed';
export type PlacementStatus = 'active' | 'draining' | 'disabled';
/** Which of the placement database's roles a connection logs in as. */
export type PlacementRole = 'app' | 'platform';

export interface Placement {
  readonly id: string;
  readonly name: string;
  readonly kind: PlacementKind;
  /** `control` (today's DATABASE_* settings), `env:NAME` (PLACEMENT_NAME_*) or `file:/path`. */
  readonly connectionRef: string;
  /** NULL: CLICKHOUSE_CLUSTER, or the single server. */
  readonly clickhouseCluster: string | null;
  readonly clickhouseDatabase: string;
  readonly status: PlacementStatus;
  /** True for the placement whose database is the control database. */
  readonly isControl: boolean;
}

/** A tenant's placement, and the epoch it was read at (bumped by every move's flip). */
export interface TenantPlacement {
  readonly placement: Placement;
  readonly epoch: number;
}

/**
 * The epoch of a tenant with no row in control (yet: the transaction that provisions it, or an
 * id nobody knows): it is routed to the control database, today's place, and the fence expects
 * no tenants row there.
 */
export const NO_ROW_EPOCH = -1;

/** Tenant → placement, cached; `forget` drops a tenant's entry after a move or a failed fence. */
export abstract class PlacementDirectory {
  abstract of(tenantId: string): Promise<TenantPlacement>;
  abstract forget(tenantId: string): void;
  abstract byId(id: string): Promise<Placement | undefined>;
  abstract byName(name: string): Promise<Placement | undefined>;
  abstract all(): Promise<Placement[]>;
}

/**
 * The DataSources of each placement database, opened lazily and bounded in number. The control
 * placement's are the app's two injected DataSources, never closed.
 */
export abstract class PlacementPools {
  abstract dataSource(placement: Placement, role: PlacementRole): Promise<DataSource>;
}

/**
 * The advisory-lock key of a tenant's placement (SQL, over the parameter `tenantParam`, a text
 * tenant id): every tenant transaction takes it shared in its first statement (the fence:
 * open_tenant_scope, migration 1763900000272, which spells the same key); a move takes it exclusive on the source for its final phase, so in-flight
 * transactions finish first and later ones see the new epoch.
 */
export function tenantPlacementLockKey(tenantParam: string): string {
  return `hashtextextended('tenant-placement:' || ${tenantParam}, 0)`;
}

/**
 * The tenant's placement changed under a transaction (its epoch moved on, or its row left this
 * database): the caller retries once on the new placement, then answers 503 with Retry-After.
 */
export class PlacementMovedError extends Error {
  constructor(readonly tenantId: string) {
    super(`Tenant ${tenantId} moved to another placement during the transaction`);
  }
}

/** A placement's database cannot be reached or is misconfigured: its tenants answer 503. */
export class PlacementUnavailableError extends Error {
  constructor(
    readonly placementName: string,
    reason: string,
  ) {
    super(`Placement ${placementName} is unavailable: ${reason}`);
  }
}
