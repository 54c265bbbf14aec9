import { Injectable } from '@nestjs/common';
import { PlacementsRepository } from './placements.repository';
import { NO_ROW_EPOCH, Placement, PlacementDirectory, TenantPlacement } from './placement';

/** How long a tenant's placement and the placement list are trusted without asking control. */
const TTL_MS = 60_000;
const MAX_TENANTS = 100_000;

/**
 * Tenant → placement, cached in this process. Staleness is safe: every tenant transaction
 * checks the epoch in its first statement (TenantContext) and, on a mismatch, forgets the entry
 * and asks again, so a move seen late costs one retry, never a wrong database.
 */
@Injectable()
export class PlacementCacheDirectory extends PlacementDirectory {
  private readonly tenants = new Map<string, { placementId: string; epoch: number; at: number }>();
  private placements: { byId: Map<string, Placement>; at: number } | undefined;
  private loading: Promise<Map<string, Placement>> | undefined;

  constructor(private readonly repository: PlacementsRepository) {
    super();
  }

  async of(tenantId: string): Promise<TenantPlacement> {
    const now = Date.now();
    let entry = this.tenants.get(tenantId);
    if (!entry || now - entry.at > TTL_MS) {
      const found = await this.repository.tenantPlacement(tenantId);
      if (!found) return { placement: await this.control(), epoch: NO_ROW_EPOCH };
      entry = { ...found, at: now };
      if (this.tenants.size >= MAX_TENANTS) this.tenants.clear();
      this.tenants.set(tenantId, entry);
    }
    const placement = await this.byId(entry.placementId);
    if (!placement) throw new Error(`tenant ${tenantId} names an unknown placement`);
    return { placement, epoch: entry.epoch };
  }

  forget(tenantId: string): void {
    this.tenants.delete(tenantId);
  }

  /** Drops the placement list too (a placement added or its status changed). */
  forgetPlacements(): void {
    this.placements = undefined;
  }

  async byId(id: string): Promise<Placement | undefined> {
    const known = (await this.list()).get(id);
    if (known) return known;
    // Added since the list was read: read it again, once.
    this.forgetPlacements();
    return (await this.list()).get(id);
  }

  async byName(name: string): Promise<Placement | undefined> {
    const find = async () => (await this.all()).find((placement) => placement.name === name);
    const known = await find();
    if (known) return known;
    this.forgetPlacements();
    return find();
  }

  async all(): Promise<Placement[]> {
    return [...(await this.list()).values()];
  }

  /** The control database's placement (connection_ref `control`). */
  async control(): Promise<Placement> {
    const control = (await this.all()).find((placement) => placement.isControl);
    if (!control) throw new Error('no placement has connection_ref control');
    return control;
  }

  private async list(): Promise<Map<string, Placement>> {
    if (this.placements && Date.now() - this.placements.at <= TTL_MS) return this.placements.byId;
    this.loading ??= this.repository
      .all()
      .then((all) => {
        const byId = new Map(all.map((placement) => [placement.id, placement]));
        this.placements = { byId, at: Date.now() };
        return byId;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
