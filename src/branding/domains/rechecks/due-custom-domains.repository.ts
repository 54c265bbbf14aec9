import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../../../database/platform.database';

/**
 * Every tenant's verified custom domains due for a re-check, read by the platform role through
 * platform_custom_domains_due() (migration 1763900000111): ids only.
 */
@Injectable()
export class DueCustomDomainsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async list(checkedBefore: Date, limit: number): Promise<{ tenantId: string; id: string }[]> {
    const rows = await this.platform.query<{ tenant_id: string; id: string }[]>(
      'SELECT tenant_id, id FROM public.platform_custom_domains_due($1, $2)',
      [checkedBefore, limit],
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  }
}
