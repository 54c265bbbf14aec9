import { Injectable } from '@nestjs/common';

/**
 * Something of a tenant that lives outside the tables and stores the purge already knows (export
 * files, say). `purge` removes all of it for that tenant and answers what it removed, by kind
 * (`{ files: 3 }`). It must be idempotent: a purge killed half-way runs the step again, and a
 * step that finished is never run twice for one tenant (its result is kept in the tenant's
 * purge_state). It runs with no tenant scope open; the tenant id comes from the tenants table.
 */
export interface TenantPurgeStep {
  /** Unique and stable: it names the step in purge_state and the purge report. */
  readonly name: string;
  purge(tenantId: string): Promise<Record<string, number>>;
}

/**
 * The steps other modules add to a tenant purge, after the PostgreSQL tables, ClickHouse and
 * before Redis. A module registers its step when it starts (onModuleInit); the purge runs every
 * registered step in order, as `hook:<name>`. The dependency points from those modules to
 * tenancy, never back (as TenantProvisioningRegistry).
 */
@Injectable()
export class TenantPurgeRegistry {
  private readonly steps = new Map<string, TenantPurgeStep>();

  register(step: TenantPurgeStep): void {
    if (!/^[a-z][a-z0-9_-]{0,40}$/.test(step.name)) {
      throw new Error(`purge step name must be a short lowercase word: ${step.name}`);
    }
    if (this.steps.has(step.name)) throw new Error(`purge step ${step.name} is registered twice`);
    this.steps.set(step.name, step);
  }

  get all(): TenantPurgeStep[] {
    return [...this.steps.values()];
  }
}
