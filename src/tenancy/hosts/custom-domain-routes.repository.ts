import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Which tenant serves a verified custom domain: the one cross-tenant read tenant resolution
 * needs, through public.custom_domain_tenant() (migration 1763900000110), which answers an exact
 * hostname with a tenant id and nothing more. Runs on the app role's connection outside any
 * tenant transaction, like the tenants lookups: custom_domains itself stays behind RLS.
 */
@Injectable()
export class CustomDomainRoutesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async tenantIdFor(hostname: string): Promise<string | null> {
    const [row] = await this.dataSource.query<{ tenant_id: string | null }[]>(
      'SELECT public.custom_domain_tenant($1) AS tenant_id',
      [hostname],
    );
    return row?.tenant_id ?? null;
  }
}
