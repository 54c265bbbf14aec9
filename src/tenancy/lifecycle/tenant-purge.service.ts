import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import {
  type PlatformLease,
  PlatformLeasesService,
} from '../../database/leases/platform-leases.service';
import type { PlatformActorType } from '../../audit/platform/platform-audit-entry.entity';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';
import type { Actor } from '../scope/actor';
import type { PurgeState, Tenant } from '../tenant.entity';
import { TenantPurgeRegistry } from '../tenant-purge.registry';
import type { PurgeTenantDto } from './dto/purge-tenant.dto';
import { TenantLifecycleRepository } from './tenant-lifecycle.repository';
import { TenantRedisKeysStore } from './tenant-redis-keys.store';
import { CredentialInvalidationListener } from '../scope/credential-cache/credential-invalidation.listener';

export const TENANT_PURGE_ROWS = 'tenantry_tenant_purge_removed_total';
export const TENANT_PURGES = 'tenantry_tenant_purges_total';

/** Who a lifecycle change is recorded as in the platform log. */
export type LifecycleActor = Omit<Actor, 'type'> & { type: PlatformActorType };

/** The purge job acts as the platform itself. */
export const SYSTEM_ACTOR: LifecycleActor = {
  type: 'system',
  id: 'tenant-purge',
  ip: null,
  userAgent: null,
};

/** One step of a purge: a name kept in purge_state, and the work. */
interface PurgeStep {
  name: string;
  run(): Promise<Record<string, number>>;
}

/**
 * Removes everything of a tenant, everywhere, and keeps its row as a tombstone (status purged,
 * purged_at, purge_report): the slug stays taken forever.
 *
 * Steps, each recorded in tenants.purge_state when it finishes, so a purge killed half-way is
 * resumed (by the job, or the admin route again) from the first unfinished step:
 * 1. `jobs`: its pending BullMQ jobs;
 * 2. `clickhouse`: its rows of every ClickHouse table with tenant_id (mutations awaited);
 * 3. `postgres:<table>`: every PostgreSQL table with tenant_id, from the catalogue at run time,
 *    children before parents; then `postgres:sweep`, which runs them all once more (a trigger may
 *    have written a row of the tenant into a table already done, e.g. rollup days marked by the
 *    events delete) until a pass removes nothing;
 * 4. `hook:<name>`: what other modules registered in TenantPurgeRegistry (export files);
 * 5. `redis`: its keys.
 * A purge of one tenant runs once at a time: a lease (PlatformLeasesService: a transaction
 * advisory lock held open while it runs, freed at once when its holder dies, and a fencing token
 * each step's record checks), not a session advisory lock, which PgBouncer in transaction mode
 * cannot carry.
 */
@Injectable()
export class TenantPurgeService {
  private readonly logger = new Logger(TenantPurgeService.name);

  constructor(
    private readonly lifecycle: TenantLifecycleRepository,
    private readonly redisKeys: TenantRedisKeysStore,
    private readonly hooks: TenantPurgeRegistry,
    private readonly platformAudit: PlatformAuditService,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @InjectMetric(TENANT_PURGE_ROWS) private readonly removedTotal: Counter<'store'>,
    @InjectMetric(TENANT_PURGES) private readonly purgesTotal: Counter<'outcome'>,
    private readonly invalidation: CredentialInvalidationListener,
    private readonly leases: PlatformLeasesService,
  ) {}

  /**
   * Purges the tenant (pending deletion past its grace, any time with `force`, or a purge under
   * way): the tombstone when done. Throws ConflictException when it may not be purged now.
   */
  async purge(
    tenantId: string,
    options: { force: boolean; actor: LifecycleActor },
  ): Promise<Tenant> {
    const leaseName = `tenant-purge:${tenantId}`;
    const lease = await this.leases.acquire(leaseName);
    if (!lease) throw new ConflictException(`A purge of tenant ${tenantId} is already running`);
    try {
      const claimed = await this.lifecycle.claimPurge(tenantId, options.force);
      if (!claimed)
        throw new ConflictException(
          `Tenant ${tenantId} may not be purged now (not pending deletion past its grace, or a move of it is under way)`,
        );
      // Every copy's consumer sees it purging now (no usage row may follow the purge).
      await this.invalidation.tenantChanged(tenantId);
      const state = claimed.purgeState!;
      const resumed = Object.keys(state.steps).length > 0;
      await this.audit(options.actor, resumed ? 'tenant.purge_resumed' : 'tenant.purge_started', {
        tenantId,
        details: {
          slug: claimed.slug,
          forced: options.force,
          steps_done: Object.keys(state.steps),
        },
      });
      this.logger.log({ msg: 'tenant purge started', tenant_id: tenantId, resumed });
      try {
        await this.runSteps(tenantId, state, lease);
      } catch (error) {
        this.purgesTotal.inc({ outcome: 'failed' });
        this.logger.error({
          msg: 'tenant purge failed; the next run resumes it',
          tenant_id: tenantId,
          error: (error as Error).message,
        });
        throw error;
      }
      const report = await this.lifecycle.finishPurge(tenantId, lease);
      await this.invalidation.tenantChanged(tenantId);
      this.purgesTotal.inc({ outcome: 'purged' });
      await this.audit(options.actor, 'tenant.purged', {
        tenantId,
        details: { slug: claimed.slug, report: report },
      });
      this.logger.log({ msg: 'tenant purged', tenant_id: tenantId });
      return (await this.lifecycle.findById(tenantId))!;
    } finally {
      await lease.release();
    }
  }

  /**
   * POST /admin/tenants/:id/purge: the operator typed the tenant's slug; before purge_after only
   * with force. A purge interrupted earlier is resumed (the slug still confirms it).
   */
  async purgeByOperator(id: string, input: PurgeTenantDto, actor: LifecycleActor): Promise<Tenant> {
    const tenant = await this.lifecycle.findById(id);
    if (!tenant) throw new NotFoundException(`Tenant ${id} not found`);
    if (input.confirm_slug !== tenant.slug) {
      throw new BadRequestException({
        message: "confirm_slug is not this tenant's slug",
        errors: [{ field: 'confirm_slug', message: "confirm_slug must equal the tenant's slug" }],
      });
    }
    if (tenant.status !== 'pending_deletion' && tenant.status !== 'purging') {
      throw new ConflictException(
        tenant.status === 'purged'
          ? `Tenant ${id} is already purged`
          : `Tenant ${id} is ${tenant.status}: delete it first (DELETE /admin/tenants/${id})`,
      );
    }
    const force = input.force === true;
    if (tenant.status === 'pending_deletion' && !force && tenant.purgeAfter! > new Date()) {
      throw new ConflictException({
        message: `Tenant ${id} is restorable until ${tenant.purgeAfter!.toISOString()}`,
        errors: [
          {
            field: 'force',
            message: `the grace period ends at ${tenant.purgeAfter!.toISOString()}; send force: true to purge now`,
          },
        ],
      });
    }
    return this.purge(id, { force, actor });
  }

  /** The job: every tenant past its grace, interrupted purges first; one failure stops none. */
  async purgeDue(limit = 20): Promise<{ purged: number; failed: number }> {
    let purged = 0;
    let failed = 0;
    for (const id of await this.lifecycle.purgeDue(limit)) {
      try {
        await this.purge(id, { force: false, actor: SYSTEM_ACTOR });
        purged += 1;
      } catch (error) {
        failed += 1;
        if (!(error instanceof ConflictException)) {
          this.logger.error({ msg: 'purge job: tenant not purged', tenant_id: id, err: error });
        }
      }
    }
    return { purged, failed };
  }

  private async runSteps(tenantId: string, state: PurgeState, lease: PlatformLease): Promise<void> {
    const steps = await this.stepsFor(tenantId);
    for (const [index, step] of steps.entries()) {
      if (state.steps[step.name]) continue;
      // Lost (its holding connection failed): another purge may run now; stop, it resumes.
      await lease.assertHeld();
      const removed = await step.run();
      // Fenced: recorded only while this purge still holds the lease (same statement).
      await this.lifecycle.saveStep(tenantId, step.name, removed, lease);
      const rows = Object.values(removed).reduce((sum, n) => sum + n, 0);
      this.removedTotal.inc({ store: storeOf(step.name) }, rows);
      this.logger.log({
        msg: 'tenant purge step done',
        tenant_id: tenantId,
        step: step.name,
        removed,
        progress: `${index + 1}/${steps.length}`,
      });
    }
  }

  private async stepsFor(tenantId: string): Promise<PurgeStep[]> {
    const tables = await this.lifecycle.tenantTables();
    const purgeTable = async (table: string) => ({
      [table]: await this.lifecycle.purgeRows(tenantId, table),
    });
    const events = this.events;
    return [
      { name: 'jobs', run: async () => ({ jobs: await this.redisKeys.purgeJobs(tenantId) }) },
      {
        name: 'clickhouse',
        run: async () =>
          events instanceof ClickHouseEventStore ? events.purgeTenant(tenantId) : {},
      },
      ...tables.map((table) => ({
        name: `postgres:${table.name}`,
        run: () => purgeTable(table.name),
      })),
      {
        name: 'postgres:sweep',
        run: async () => {
          const removed: Record<string, number> = {};
          for (let pass = 0; pass < 5; pass += 1) {
            let any = 0;
            for (const table of tables) {
              const n = await this.lifecycle.purgeRows(tenantId, table.name);
              if (n > 0) removed[table.name] = (removed[table.name] ?? 0) + n;
              any += n;
            }
            if (any === 0) return removed;
          }
          throw new Error('tenant rows keep reappearing during the purge sweep');
        },
      },
      ...this.hooks.all.map((hook) => ({
        name: `hook:${hook.name}`,
        run: () => hook.purge(tenantId),
      })),
      { name: 'redis', run: async () => ({ keys: await this.redisKeys.purgeKeys(tenantId) }) },
    ];
  }

  private async audit(
    actor: LifecycleActor,
    action: string,
    entry: { tenantId: string; details: Record<string, unknown> },
  ): Promise<void> {
    await this.platformAudit.record(
      { action, resourceType: 'tenant', resourceId: entry.tenantId, details: entry.details },
      actor,
    );
  }
}

/** The platform log's actor for a request's Actor (an API key is recorded as a user's act). */
export function lifecycleActor(actor: Actor): LifecycleActor {
  return actor.type === 'api_key' ? { ...actor, type: 'user' } : { ...actor, type: actor.type };
}

function storeOf(step: string): string {
  if (step.startsWith('postgres:')) return 'postgres';
  if (step.startsWith('hook:')) return 'hook';
  return step;
}
