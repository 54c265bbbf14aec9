import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Actor } from './actor';
import { isUuid } from '../../common/uuid';
import {
  NO_ROW_EPOCH,
  type Placement,
  PlacementDirectory,
  PlacementMovedError,
  PlacementPools,
  type PlacementRole,
} from '../../database/placements/placement';

/**
 * The first statement of every tenant transaction, one round trip as before placements:
 * open_tenant_scope (migration 1763900000272) sets the tenant RLS reads (SET LOCAL), takes the
 * shared lock a move's flip holds, and only then reads the tenant's placement epoch in this
 * database (NULL: no tenants row here). Not one SELECT of the three: a statement reads as of its
 * start, so it would read the epoch from before the flip it waited on.
 */
const OPEN_TENANT_SCOPE = 'SELECT public.open_tenant_scope($1) AS epoch';

/** The epoch read in a placement database differs from the one the tenant was routed by. */
class EpochMismatch extends Error {}

/** What one tenant-scoped unit of work carries: whose data, and the transaction to reach it. */
export interface TenantScope {
  readonly tenantId: string;
  readonly manager: EntityManager;
  /** Who the work is done for, when known: the audit log records it. */
  readonly actor?: Actor;
}

/**
 * runForEachTenant failed on one placement's transaction after others had committed: the
 * tenants listed in `committed` are done (a caller that counts must not count them again).
 */
export class PartialTenantsFailure extends Error {
  constructor(
    readonly committed: readonly string[],
    readonly failure: unknown,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
  }
}

export class NoTenantScopeError extends Error {
  constructor() {
    super('No tenant scope is active: wrap the work in TenantContext.runInTenant()');
  }
}

/**
 * The tenant of the current request, Kafka message or job, and the transaction its queries run
 * in. Each scope owns one QueryRunner whose transaction starts with
 * `set_config('app.tenant_id', $1, true)` (SET LOCAL): RLS sees the tenant, and the setting dies
 * with the transaction, so a pooled connection never carries it to the next user.
 *
 * The scope is request-scoped through AsyncLocalStorage rather than Nest's Scope.REQUEST, so
 * the same code path serves HTTP requests, Kafka handlers and BullMQ jobs, and singletons stay
 * singletons.
 */
/**
 * A connection whose ROLLBACK failed may still be inside the tenant's transaction: hand the
 * error to the pool so it destroys the client instead of lending it to the next request.
 * TypeORM's public release() takes no error, so use the driver-level release when present.
 */
async function destroyConnection(runner: QueryRunner, failure: unknown): Promise<void> {
  const postgresRunner = runner as QueryRunner & {
    releasePostgresConnection?: (error: Error) => Promise<void>;
  };
  if (typeof postgresRunner.releasePostgresConnection === 'function') {
    const error = failure instanceof Error ? failure : new Error(String(failure));
    await postgresRunner.releasePostgresConnection(error);
  } else {
    await runner.release();
  }
}

@Injectable()
export class TenantContext {
  private readonly storage = new AsyncLocalStorage<TenantScope>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly directory: PlacementDirectory,
    private readonly pools: PlacementPools,
  ) {}

  /** The active scope, or undefined outside one (for code that may run either way). */
  get current(): TenantScope | undefined {
    return this.storage.getStore();
  }

  get tenantId(): string {
    return this.require().tenantId;
  }

  /** The entity manager bound to the tenant transaction. Throws outside a tenant scope. */
  get manager(): EntityManager {
    return this.require().manager;
  }

  /**
   * Runs `work` in a new transaction scoped to `tenantId`: commits when it resolves, rolls back
   * when it throws. Nested calls for the same tenant join the open transaction.
   */
  async runInTenant<T>(tenantId: string, work: () => Promise<T>, actor?: Actor): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('runInTenant needs a tenant UUID');
    const open = this.storage.getStore();
    if (open) {
      if (open.tenantId !== tenantId) {
        throw new Error('A tenant scope is already open for another tenant');
      }
      return work();
    }

    return this.routed(tenantId, 'app', work, actor);
  }

  /**
   * runInTenant on one role's connection to the tenant's placement database: `platform` for an
   * /admin change of a tenant and its audit entry in one transaction. The same RLS scope and
   * fence, but never nested in an open scope, whose transaction would be another connection's.
   */
  async runInTenantAs<T>(
    role: PlacementRole,
    tenantId: string,
    work: () => Promise<T>,
    actor?: Actor,
  ): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('runInTenantAs needs a tenant UUID');
    if (this.storage.getStore()) throw new Error('runInTenantAs cannot nest in a tenant scope');
    return this.routed(tenantId, role, work, actor);
  }

  /**
   * One transaction on the tenant's placement database, fenced on its epoch: when the tenant
   * moved (the epoch there is not the one it was routed by), the directory forgets it and the
   * transaction is opened again on the placement it names now, once; a second miss is
   * PlacementMovedError (503, Retry-After). The check is the first statement, so `work` has not
   * run when it fails.
   */
  private async routed<T>(
    tenantId: string,
    role: PlacementRole,
    work: () => Promise<T>,
    actor?: Actor,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const { placement, epoch } = await this.directory.of(tenantId);
      const connection = await this.pools.dataSource(placement, role);
      try {
        return await this.inTransaction(async (runner) => {
          await this.openScope(runner, tenantId, epoch);
          return this.storage.run({ tenantId, manager: runner.manager, actor }, work);
        }, connection);
      } catch (error) {
        if (!(error instanceof EpochMismatch)) throw error;
        this.directory.forget(tenantId);
        if (attempt >= 1) throw new PlacementMovedError(tenantId);
      }
    }
  }

  /** The scope's first statement (OPEN_TENANT_SCOPE) and the epoch check. */
  private async openScope(runner: QueryRunner, tenantId: string, epoch: number): Promise<void> {
    const [row] = (await runner.query(OPEN_TENANT_SCOPE, [tenantId])) as {
      epoch: number | null;
    }[];
    if ((row.epoch ?? NO_ROW_EPOCH) !== epoch) throw new EpochMismatch();
  }

  /**
   * runInTenant on another role's connection (the platform role's, for an /admin change of a
   * tenant and its audit entry in one transaction): the same RLS scope, the same rules, but
   * never nested in an open scope, whose transaction would be another connection's.
   */
  async runInTenantOn<T>(
    connection: DataSource,
    tenantId: string,
    work: () => Promise<T>,
    actor?: Actor,
  ): Promise<T> {
    if (!isUuid(tenantId)) throw new Error('runInTenantOn needs a tenant UUID');
    if (this.storage.getStore()) throw new Error('runInTenantOn cannot nest in a tenant scope');
    return this.inTransaction(async (runner) => {
      await runner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      return this.storage.run({ tenantId, manager: runner.manager, actor }, work);
    }, connection);
  }

  /**
   * Runs `work` once per tenant, all in ONE transaction: before each tenant's turn the
   * transaction's app.tenant_id is switched to it, so RLS applies to each in turn. For batch
   * writers (the ingestion consumer) that would otherwise open a transaction per tenant.
   * All or nothing: any failure rolls back every tenant's work.
   */
  async runForEachTenant(
    tenantIds: Iterable<string>,
    work: (tenantId: string) => Promise<void>,
  ): Promise<void> {
    if (this.storage.getStore()) throw new Error('runForEachTenant cannot nest in a tenant scope');
    const ids = [...tenantIds];
    if (!ids.every(isUuid)) throw new Error('runForEachTenant needs tenant UUIDs');
    const groups = await this.byPlacement(ids);
    const committed: string[] = [];
    for (const group of groups) {
      try {
        await this.inTransaction(
          async (runner) => {
            for (const { tenantId, epoch } of group.tenants) {
              await this.openScope(runner, tenantId, epoch);
              await this.storage.run({ tenantId, manager: runner.manager }, () => work(tenantId));
            }
          },
          await this.pools.dataSource(group.placement, 'app'),
        );
      } catch (error) {
        // A moved tenant: route the group afresh next time (the caller retries the batch).
        let failure = error;
        if (error instanceof EpochMismatch) {
          for (const { tenantId } of group.tenants) this.directory.forget(tenantId);
          failure = new PlacementMovedError(group.tenants[0].tenantId);
        }
        // Nothing committed yet: the error as before placements. Otherwise the caller learns
        // which tenants' work did commit (other placements' transactions).
        throw committed.length === 0 ? failure : new PartialTenantsFailure(committed, failure);
      }
      committed.push(...group.tenants.map(({ tenantId }) => tenantId));
    }
  }

  /** Tenants grouped by placement (the control database's group first), each with its epoch. */
  private async byPlacement(ids: string[]) {
    const groups = new Map<
      string,
      { placement: Placement; tenants: { tenantId: string; epoch: number }[] }
    >();
    for (const tenantId of ids) {
      const { placement, epoch } = await this.directory.of(tenantId);
      let group = groups.get(placement.id);
      if (!group) groups.set(placement.id, (group = { placement, tenants: [] }));
      group.tenants.push({ tenantId, epoch });
    }
    return [...groups.values()].sort(
      (a, b) => Number(b.placement.isControl) - Number(a.placement.isControl),
    );
  }

  /**
   * Runs `work` on every active placement database but the tenant's own (the control database
   * included when the tenant is siloed), one at a time: for a lookup that must find another
   * tenant wherever it lives. Unreachable placements are skipped and returned.
   */
  async onPlacementsBesidesTenants(
    tenantId: string,
    role: PlacementRole,
    work: (connection: DataSource, placement: Placement) => Promise<void>,
  ): Promise<{ placement: string; error: unknown }[]> {
    const own = (await this.directory.of(tenantId)).placement.id;
    const failures: { placement: string; error: unknown }[] = [];
    for (const placement of await this.directory.all()) {
      if (placement.id === own || placement.status !== 'active') continue;
      try {
        await work(await this.pools.dataSource(placement, role), placement);
      } catch (error) {
        failures.push({ placement: placement.name, error });
      }
    }
    return failures;
  }

  /** The role's connection to the tenant's placement database (outside any transaction). */
  async placementConnection(tenantId: string, role: PlacementRole): Promise<DataSource> {
    return this.pools.dataSource((await this.directory.of(tenantId)).placement, role);
  }

  /**
   * Runs `work` on each active placement database other than the control one (issue 18), one at
   * a time, for upkeep every database needs (event partitions, say). An unreachable placement is
   * skipped and returned, so one down silo never stops the others' upkeep.
   */
  async onOtherPlacements(
    role: PlacementRole,
    work: (connection: DataSource, placement: Placement) => Promise<void>,
  ): Promise<{ placement: string; placementId: string; error: unknown }[]> {
    const failures: { placement: string; placementId: string; error: unknown }[] = [];
    for (const placement of await this.directory.all()) {
      if (placement.isControl || placement.status !== 'active') continue;
      try {
        await work(await this.pools.dataSource(placement, role), placement);
      } catch (error) {
        failures.push({ placement: placement.name, placementId: placement.id, error });
      }
    }
    return failures;
  }

  /**
   * Runs `work` outside whatever tenant scope the caller is in: for shared machinery (the event
   * writer's batches) that a request merely hands work to, and that must not inherit its scope.
   */
  detached<T>(work: () => Promise<T>): Promise<T> {
    return this.storage.exit(work);
  }

  private async inTransaction<T>(
    work: (runner: QueryRunner) => Promise<T>,
    connection: DataSource = this.dataSource,
  ): Promise<T> {
    const runner = connection.createQueryRunner();
    await runner.connect();
    let failure: unknown = undefined;
    let failed = false;
    try {
      await runner.startTransaction();
      const result = await work(runner);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      failed = true;
      failure = error;
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch(() => undefined);
      }
      throw error;
    } finally {
      // Whatever happened, a connection still inside the transaction is never reused.
      if (runner.isTransactionActive) {
        await destroyConnection(runner, failed ? failure : new Error('transaction left open'));
      } else {
        await runner.release();
      }
    }
  }

  /**
   * Binds an already-open scope (a caller-managed transaction) to `work`. Low-level: used by
   * tests and benchmarks that manage their own connection.
   */
  bind<T>(scope: TenantScope, work: () => Promise<T>): Promise<T> {
    return this.storage.run(scope, work);
  }

  private require(): TenantScope {
    const scope = this.storage.getStore();
    if (!scope) throw new NoTenantScopeError();
    return scope;
  }
}
