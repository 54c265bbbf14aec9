import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Actor } from './actor';
import { isUuid } from '../../common/uuid';

/** What one tenant-scoped unit of work carries: whose data, and the transaction to reach it. */
export interface TenantScope {
  readonly tenantId: string;
  readonly manager: EntityManager;
  /** Who the work is done for, when known: the audit log records it. */
  readonly actor?: Actor;
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

  constructor(private readonly dataSource: DataSource) {}

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

    return this.inTransaction(async (runner) => {
      await runner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      return this.storage.run({ tenantId, manager: runner.manager, actor }, work);
    });
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
    await this.inTransaction(async (runner) => {
      for (const tenantId of ids) {
        await runner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
        await this.storage.run({ tenantId, manager: runner.manager }, () => work(tenantId));
      }
    });
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
