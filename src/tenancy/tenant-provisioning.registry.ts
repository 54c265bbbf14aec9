import { Injectable } from '@nestjs/common';

/** Something a new tenant must have, made inside its provisioning transaction. */
export type ProvisioningStep = () => Promise<void>;

/**
 * The steps other modules add to provisioning a tenant (analytics: the default dashboard).
 * Tenancy runs them inside the new tenant's transaction without knowing those modules, so the
 * dependency points from them to tenancy, never back: a module registers its step when it
 * starts (onModuleInit), and TenantsService.create runs every registered step, in order.
 */
@Injectable()
export class TenantProvisioningRegistry {
  private readonly steps: { name: string; run: ProvisioningStep }[] = [];

  register(name: string, run: ProvisioningStep): void {
    this.steps.push({ name, run });
  }

  /** Runs inside the new tenant's scope; a failing step fails (and rolls back) the provisioning. */
  async runAll(): Promise<void> {
    for (const step of this.steps) await step.run();
  }

  get names(): string[] {
    return this.steps.map((step) => step.name);
  }
}
