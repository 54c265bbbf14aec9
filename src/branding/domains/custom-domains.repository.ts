import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { CustomDomain, type CustomDomainStatus } from './custom-domain.entity';

/** The custom_domains table, always in the tenant transaction: RLS sees the current tenant only. */
@Injectable()
export class CustomDomainsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get domains() {
    return this.tenantContext.manager.getRepository(CustomDomain);
  }

  /** The tenant's domains, counted under a transaction lock so two adds cannot both fit. */
  async countLocked(): Promise<number> {
    await this.tenantContext.manager.query(
      "SELECT pg_advisory_xact_lock(hashtextextended('tenantry.custom_domains:' || $1, 0))",
      [this.tenantContext.tenantId],
    );
    return this.domains.count();
  }

  insert(
    values: Pick<CustomDomain, 'tenantId' | 'hostname' | 'verificationToken'>,
  ): Promise<CustomDomain> {
    return this.domains.save(this.domains.create(values));
  }

  list(): Promise<CustomDomain[]> {
    return this.domains.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  find(id: string): Promise<CustomDomain | null> {
    return this.domains.findOneBy({ id });
  }

  /** Stores the outcome of a DNS check; the unique index refuses a second verified owner. */
  async recordCheck(
    id: string,
    outcome: { status: CustomDomainStatus; lastError: string | null },
  ): Promise<void> {
    await this.tenantContext.manager.query(
      `UPDATE custom_domains
          SET status = $2, last_error = $3, last_checked_at = now(),
              verified_at = CASE WHEN $4 THEN coalesce(verified_at, now()) END
        WHERE id = $1`,
      [id, outcome.status, outcome.lastError, outcome.status === 'verified'],
    );
  }

  /** Deletes it; false when there was none (missing or another tenant's). */
  async delete(id: string): Promise<boolean> {
    const result = await this.domains.delete({ id });
    return result.affected !== 0;
  }
}
