import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlacementDirectory, PlacementUnavailableError } from '../../database/placements/placement';
import { TenantContext } from '../scope/tenant.context';

/**
 * Which tenant serves a verified custom domain: the one cross-tenant read tenant resolution
 * needs, through public.custom_domain_tenant() (migration 1763900000110), which answers an exact
 * hostname with a tenant id and nothing more. Runs on the app role's connection outside any
 * tenant transaction, like the tenants lookups: custom_domains itself stays behind RLS.
 *
 * A siloed tenant's domains are in its placement database (issue 18): a hostname control does not
 * know is asked of every other placement, and an answer counts only from the database its tenant
 * lives in (a moved tenant's leftovers never route). Callers cache the answers (TenantHostsService).
 */
@Injectable()
export class CustomDomainRoutesRepository {
  private readonly logger = new Logger(CustomDomainRoutesRepository.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantContext: TenantContext,
    private readonly directory: PlacementDirectory,
  ) {}

  /**
   * `strict`: an unreachable placement throws PlacementUnavailableError instead of being skipped
   * (a new claim must know every owner; routing a request serves what it can reach).
   */
  async tenantIdFor(hostname: string, options: { strict?: boolean } = {}): Promise<string | null> {
    const inControl = await lookup(this.dataSource, hostname);
    if (inControl) return inControl;
    const answers: { tenantId: string; placementId: string }[] = [];
    const failed = await this.tenantContext.onOtherPlacements(
      'app',
      async (connection, placement) => {
        const tenantId = await lookup(connection, hostname);
        if (tenantId) answers.push({ tenantId, placementId: placement.id });
      },
    );
    if (failed.length > 0) {
      if (options.strict) {
        throw new PlacementUnavailableError(
          failed[0].placement,
          'its custom domains cannot be read',
        );
      }
      for (const { placement, error } of failed) {
        this.logger.warn({ placement, err: error }, 'custom domains of a placement unreadable');
      }
    }
    for (const { tenantId, placementId } of answers) {
      if ((await this.directory.of(tenantId)).placement.id === placementId) return tenantId;
    }
    return null;
  }
}

async function lookup(connection: DataSource, hostname: string): Promise<string | null> {
  const [row] = await connection.query<{ tenant_id: string | null }[]>(
    'SELECT public.custom_domain_tenant($1) AS tenant_id',
    [hostname],
  );
  return row?.tenant_id ?? null;
}
