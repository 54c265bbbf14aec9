import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlatformDatabase } from '../../database/platform.database';
import type { Actor } from '../../tenancy/scope/actor';
import type { ListPlatformAuditQuery } from './dto/list-platform-audit.query';
import type {
  PlatformAuditEntryResponse,
  PlatformAuditPageResponse,
} from './dto/platform-audit-entry.response';
import { PlatformAuditEntry, type PlatformActorType } from './platform-audit-entry.entity';

interface PlatformAuditRow {
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
  total: string;
}

/**
 * The platform's own audit trail (events of no tenant) and the operator's view across every
 * tenant's log. The cross-tenant read goes through platform_audit_entries(), a SECURITY DEFINER
 * function only the platform role may call: the app role, serving tenant traffic, cannot, and
 * still cannot read one tenant's rows while acting for another. Entries are written by the app
 * role (failed tenant logins have no tenant log).
 */
@Injectable()
export class PlatformAuditService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly platform: PlatformDatabase,
  ) {}

  async record(
    entry: {
      action: string;
      resourceType: string;
      resourceId?: string | null;
      details?: Record<string, unknown>;
    },
    actor: Actor & { type: PlatformActorType },
  ): Promise<void> {
    await this.dataSource.getRepository(PlatformAuditEntry).insert({
      actorType: actor.type,
      actorId: actor.id,
      ip: actor.ip,
      userAgent: actor.userAgent,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId ?? null,
      details: (entry.details ?? {}) as never,
    });
  }

  async list(query: ListPlatformAuditQuery): Promise<PlatformAuditPageResponse> {
    const rows = await this.platform.query<PlatformAuditRow[]>(
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
    const total = rows.length > 0 ? Number(rows[0].total) : await this.count(query);
    return { data: rows.map(toResponse), total, page: query.page, limit: query.limit };
  }

  /** A page past the end has no rows to carry the window count; ask for the count alone. */
  private async count(query: ListPlatformAuditQuery): Promise<number> {
    if (query.page === 1) return 0;
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

function toResponse(row: PlatformAuditRow): PlatformAuditEntryResponse {
  return {
    tenant_id: row.tenant_id,
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    action: row.action,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    details: row.details,
    ip: row.ip,
    user_agent: row.user_agent,
    cross_tenant_attempt: row.cross_tenant_attempt,
  };
}
