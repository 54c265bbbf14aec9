import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../../database/platform.database';
import { TenantContext } from '../scope/tenant.context';
import { type PurgeState, Tenant } from '../tenant.entity';
import { PlacementDirectory } from '../../database/placements/placement';
import { PlacementMirrorService } from '../placements/placement-mirror.service';

/** The lease a purge's writes are fenced by (PlatformLease: its name and holder token). */
export interface LeaseFence {
  readonly name: string;
  readonly holder: string;
}

/** SQL: the lease named by parameter $name is still held by the token in parameter $holder. */
function holdsLease(name: number, holder: number): string {
  return `EXISTS (SELECT 1 FROM platform_leases l WHERE l.name = $${name} AND l.holder = $${holder})`;
}

/** A table with tenant_id, as the catalogue names it. */
export interface TenantTable {
  name: string;
  partitioned: boolean;
}

/**
 * The tenants table's lifecycle columns and the purge's reads of the catalogue, on the platform
 * role's connection (the app role may not UPDATE tenants). Status changes are single conditional
 * UPDATEs, so two operators (or the job and an operator) can never both move a tenant.
 */
@Injectable()
export class TenantLifecycleRepository {
  constructor(
    private readonly platform: PlatformDatabase,
    private readonly tenantContext: TenantContext,
    private readonly placements: PlacementDirectory,
    private readonly mirror: PlacementMirrorService,
  ) {}

  /**
   * A status change of the tenant, from its (platform, tenant-scoped) transaction. Pooled: the
   * UPDATE in that transaction, as before placements. Siloed (issue 18): control is
   * authoritative, so the UPDATE runs there first, then the copy in the open transaction in the
   * tenant's database (where its audit entry goes too).
   */
  private async changeStatus(id: string, sql: string, parameters: unknown[]): Promise<boolean> {
    if ((await this.placements.of(id)).placement.isControl) {
      return returned(await this.tenantContext.manager.query(sql, parameters)).length > 0;
    }
    const changed = returned(await this.platform.query(sql, parameters)).length > 0;
    if (changed) await this.mirror.syncInTransaction(id);
    return changed;
  }

  private get tenants() {
    return this.platform.manager.getRepository(Tenant);
  }

  findById(id: string): Promise<Tenant | null> {
    return this.tenants.findOneBy({ id });
  }

  /**
   * active/suspended → pending_deletion, in the open (platform, tenant-scoped) transaction;
   * false when the tenant was not live.
   */
  async markPendingDeletion(id: string, graceDays: number): Promise<boolean> {
    return this.changeStatus(
      id,
      `UPDATE tenants
          SET status_before_deletion = status, status = 'pending_deletion', deleted_at = now(),
              purge_after = now() + make_interval(days => $2::int), updated_at = now()
        WHERE id = $1 AND status IN ('active', 'suspended')
        RETURNING id`,
      [id, graceDays],
    );
  }

  /** pending_deletion (grace not over) → the status before deletion; false otherwise. */
  async restore(id: string): Promise<boolean> {
    return this.changeStatus(
      id,
      `UPDATE tenants
          SET status = coalesce(status_before_deletion, 'active'), status_before_deletion = NULL,
              deleted_at = NULL, purge_after = NULL, updated_at = now()
        WHERE id = $1 AND status = 'pending_deletion' AND purge_after > now()
        RETURNING id`,
      [id],
    );
  }

  /** The tenant as the open transaction sees it. */
  getInTransaction(id: string): Promise<Tenant> {
    return this.tenantContext.manager.getRepository(Tenant).findOneByOrFail({ id });
  }

  /**
   * pending_deletion (past its grace, or any time when forced) → purging, or a purge already
   * under way (resumed): the tenant with its purge_state, or null when it may not be purged.
   */
  async claimPurge(id: string, force: boolean): Promise<Tenant | null> {
    const rows = returned(
      await this.platform.query(
        `UPDATE tenants
          SET status = 'purging', updated_at = now(),
              purge_state = coalesce(purge_state,
                jsonb_build_object('steps', '{}'::jsonb, 'started_at', now(), 'forced', $2::boolean))
        WHERE id = $1
          AND (status = 'purging' OR (status = 'pending_deletion' AND ($2 OR purge_after <= now())))
          -- Never under an open move (issue 18): its copy would outlive the purge.
          AND NOT EXISTS (SELECT 1 FROM tenant_moves m WHERE m.moved_tenant_id = tenants.id
                            AND m.state NOT IN ('done', 'failed', 'rolled_back'))
        RETURNING id`,
        [id, force],
      ),
    );
    if (rows.length === 0) return null;
    // A siloed tenant's copy says purging too: purge_tenant_rows there checks it.
    await this.mirror.sync(id);
    return this.findById(id);
  }

  /** Records one finished step: a purge killed after this resumes after it. */
  async saveStep(
    id: string,
    step: string,
    removed: Record<string, number>,
    lease: LeaseFence,
  ): Promise<void> {
    const [, count] = await this.platform.query<[unknown[], number]>(
      `UPDATE tenants
          SET purge_state = jsonb_set(purge_state, ARRAY['steps', $2::text],
                jsonb_build_object('removed', $3::jsonb, 'finished_at', now()), true)
        WHERE id = $1 AND status = 'purging' AND ${holdsLease(4, 5)}`,
      [id, step, JSON.stringify(removed), lease.name, lease.holder],
    );
    if (count === 0) await this.assertFenced(id, lease);
  }

  /** purging → purged: the tombstone, with the report; its progress column cleared. */
  async finishPurge(id: string, lease: LeaseFence): Promise<PurgeState> {
    const [row] = returned<{ purge_report: PurgeState }>(
      await this.platform.query(
        `UPDATE tenants
          SET status = 'purged', purged_at = now(), purge_report = purge_state,
              purge_state = NULL, status_before_deletion = NULL, updated_at = now()
        WHERE id = $1 AND status = 'purging' AND ${holdsLease(2, 3)}
        RETURNING purge_report`,
        [id, lease.name, lease.holder],
      ),
    );
    if (!row) {
      await this.assertFenced(id, lease);
      throw new Error(`tenant ${id} is not being purged`);
    }
    await this.mirror.sync(id);
    return row.purge_report;
  }

  /** After a fenced write changed nothing: throws when the lease is someone else's now. */
  private async assertFenced(id: string, lease: LeaseFence): Promise<void> {
    const rows = await this.platform.query<unknown[]>(
      'SELECT 1 FROM platform_leases WHERE name = $1 AND holder = $2',
      [lease.name, lease.holder],
    );
    if (rows.length === 0) {
      throw new Error(`tenant ${id}: purge lease ${lease.name} was taken by another holder`);
    }
  }

  /** Tenants the job purges: past their grace, or a purge interrupted (resumed first). */
  async purgeDue(limit: number): Promise<string[]> {
    const rows = await this.platform.query<{ id: string }[]>(
      `SELECT id FROM tenants
        WHERE status = 'purging' OR (status = 'pending_deletion' AND purge_after <= now())
        ORDER BY (status = 'purging') DESC, purge_after
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Every table of the public schema with a tenant_id column, read from the catalogue at run
   * time (so a table added later is purged without anyone telling the purge), ordered so a
   * table comes before the tables its foreign keys point to. Partitioned parents stand for
   * their partitions.
   */
  async tenantTables(): Promise<TenantTable[]> {
    const tables = await this.platform.query<{ name: string; kind: string }[]>(
      `SELECT c.relname AS name, c.relkind AS kind
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
         JOIN pg_catalog.pg_attribute a
           ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    );
    const references = await this.platform.query<{ child: string; parent: string }[]>(
      `SELECT DISTINCT ch.relname AS child, pa.relname AS parent
         FROM pg_catalog.pg_constraint k
         JOIN pg_catalog.pg_class ch ON ch.oid = k.conrelid
         JOIN pg_catalog.pg_class pa ON pa.oid = k.confrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = ch.relnamespace AND n.nspname = 'public'
        WHERE k.contype = 'f' AND ch.oid <> pa.oid`,
    );
    return foreignKeyOrder(
      tables.map((t) => ({ name: t.name, partitioned: t.kind === 'p' })),
      references,
    );
  }

  /** Deletes one table's rows of the tenant (purge_tenant_rows, migration 1763900000070). */
  async purgeRows(tenantId: string, table: string): Promise<number> {
    // In the tenant's own placement database (issue 18): a siloed tenant's rows are there.
    const connection = await this.platform.connectionOf(tenantId);
    const [row] = await connection.query<{ removed: string }[]>(
      'SELECT public.purge_tenant_rows($1, $2) AS removed',
      [tenantId, table],
    );
    return Number(row.removed);
  }
}

/**
 * The rows an UPDATE … RETURNING gave back: TypeORM's postgres driver answers a data-changing
 * statement with [rows, rowCount] rather than the rows alone.
 */
function returned<T = unknown>(result: unknown): T[] {
  const pair = result as [T[], number];
  return Array.isArray(pair[0]) ? pair[0] : (result as T[]);
}

/**
 * Children before parents (a row is deleted before the row its key points to), partitioned
 * tables first (deleting events fires the trigger that marks rollup days, which are then deleted
 * after them), names breaking ties so the order is stable.
 */
export function foreignKeyOrder(
  tables: TenantTable[],
  references: { child: string; parent: string }[],
): TenantTable[] {
  const names = new Set(tables.map((t) => t.name));
  const parentsOf = new Map<string, Set<string>>();
  for (const { child, parent } of references) {
    if (!names.has(child) || !names.has(parent)) continue;
    if (!parentsOf.has(child)) parentsOf.set(child, new Set());
    parentsOf.get(child)!.add(parent);
  }
  const remaining = [...tables].sort(
    (a, b) => Number(b.partitioned) - Number(a.partitioned) || a.name.localeCompare(b.name),
  );
  const ordered: TenantTable[] = [];
  while (remaining.length > 0) {
    // Next: a table no remaining table points to (nothing left that references it).
    const index = remaining.findIndex(
      (candidate) =>
        !remaining.some(
          (other) => other !== candidate && parentsOf.get(other.name)?.has(candidate.name),
        ),
    );
    // A cycle of foreign keys: take the first; the sweep that follows catches what it left.
    const [next] = remaining.splice(index === -1 ? 0 : index, 1);
    ordered.push(next);
  }
  return ordered;
}
