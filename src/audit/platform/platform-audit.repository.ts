import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlatformDatabase } from '../../database/platform.database';
import type { ListPlatformAuditQuery } from './dto/list-platform-audit.query';
import { PlatformAuditEntry } from './platform-audit-entry.entity';

/** One row of platform_audit_entries(): an entry of any tenant's log or the platform's. */
export interface PlatformAuditRow {
  tenant_id: string | null;
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
  cross_tenant_attempt: boolean;
  /** The window count of every entry the filters match. */
  total: string;
}

/**
 * The platform_audit_log table and platform_audit_entries(), the SECURITY DEFINER reader of
 * every tenant's log and the platform's. Entries are written by the app role (failed tenant
 * logins have no tenant log); the reader is only the platform role's to call.
 */
@Injectable()
export class PlatformAuditRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly platform: PlatformDatabase,
  ) {}

  async insert(entry: Omit<PlatformAuditEntry, 'id' | 'at'>): Promise<void> {
    // jsonb: TypeORM's deep-partial insert type cannot express an open record.
    await this.dataSource
      .getRepository(PlatformAuditEntry)
      .insert({ ...entry, details: entry.details as never });
  }

  /** One page, newest first; every row carries the total. */
  page(query: ListPlatformAuditQuery): Promise<PlatformAuditRow[]> {
    return this.platform.query<PlatformAuditRow[]>(
      'SELECT * FROM platform_audit_entries($1, $2, $3, $4, $5, $6, $7, $8)',
      [
        query.tenant_id ?? null,
        query.action ?? null,
        query.actor_id ?? null,
        query.from ?? null,
        query.to ?? null,
        query.cross_tenant_only ?? false,
        query.limit,
        (query.page - 1) * query.limit,
      ],
    );
  }

  /** The number of entries the filters match (a page past the end has no row to carry it). */
  async count(query: ListPlatformAuditQuery): Promise<number> {
    const rows = await this.platform.query<PlatformAuditRow[]>(
      'SELECT * FROM platform_audit_entries($1, $2, $3, $4, $5, $6, 1, 0)',
      [
        query.tenant_id ?? null,
        query.action ?? null,
        query.actor_id ?? null,
        query.from ?? null,
        query.to ?? null,
        query.cross_tenant_only ?? false,
      ],
    );
    return rows.length > 0 ? Number(rows[0].total) : 0;
  }
}
