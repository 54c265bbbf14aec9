import { Injectable } from '@nestjs/common';
import type { Actor } from '../../tenancy/scope/actor';
import type { ListPlatformAuditQuery } from './dto/list-platform-audit.query';
import type {
  PlatformAuditEntryResponse,
  PlatformAuditPageResponse,
} from './dto/platform-audit-entry.response';
import type { PlatformActorType } from './platform-audit-entry.entity';
import { type PlatformAuditRow, PlatformAuditRepository } from './platform-audit.repository';

/**
 * The platform's own audit trail (events of no tenant) and the operator's view across every
 * tenant's log. The cross-tenant read goes through platform_audit_entries(), a SECURITY DEFINER
 * function only the platform role may call: the app role, serving tenant traffic, cannot, and
 * still cannot read one tenant's rows while acting for another. Entries are written by the app
 * role (failed tenant logins have no tenant log).
 */
@Injectable()
export class PlatformAuditService {
  constructor(private readonly entries: PlatformAuditRepository) {}

  async record(
    entry: {
      action: string;
      resourceType: string;
      resourceId?: string | null;
      details?: Record<string, unknown>;
    },
    actor: Omit<Actor, 'type'> & { type: PlatformActorType },
  ): Promise<void> {
    await this.entries.insert({
      actorType: actor.type,
      actorId: actor.id,
      ip: actor.ip,
      userAgent: actor.userAgent,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId ?? null,
      details: entry.details ?? {},
    });
  }

  async list(query: ListPlatformAuditQuery): Promise<PlatformAuditPageResponse> {
    const rows = await this.entries.page(query);
    const total = rows.length > 0 ? Number(rows[0].total) : await this.count(query);
    return { data: rows.map(toResponse), total, page: query.page, limit: query.limit };
  }

  /** A page past the end has no rows to carry the window count; ask for the count alone. */
  private async count(query: ListPlatformAuditQuery): Promise<number> {
    if (query.page === 1) return 0;
    return this.entries.count(query);
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
