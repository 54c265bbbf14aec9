import { Injectable } from '@nestjs/common';
import { ascending } from '../database/placements/merged-order';
import { PlatformDatabase } from '../database/platform.database';
import type { ErasureJobData } from './erasure-request';

/** A pass still to run, across tenants, and when it is due. */
export interface UnfinishedErasure extends ErasureJobData {
  due: Date;
}

/**
 * Every tenant's erasure passes still to run, read by the platform role through
 * platform_unfinished_erasures() (migration 1763900000090) in every placement database: ids and
 * times only, the soonest due first.
 */
@Injectable()
export class UnfinishedErasuresRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async list(limit: number): Promise<UnfinishedErasure[]> {
    const rows = await this.platform.queryEveryPlacement<{
      tenant_id: string;
      id: string;
      pass: 'first' | 'recheck';
      due: Date;
    }>('SELECT tenant_id, id, pass, due FROM public.platform_unfinished_erasures($1)', [limit], {
      reader: 'platform_unfinished_erasures',
      unreachable: 'skip',
    });
    rows.sort((a, b) => ascending(new Date(a.due), new Date(b.due)) || ascending(a.id, b.id));
    return rows.slice(0, limit).map((row) => ({
      tenantId: row.tenant_id,
      erasureId: row.id,
      pass: row.pass,
      due: new Date(row.due),
    }));
  }
}
