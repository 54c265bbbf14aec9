import { Injectable } from '@nestjs/common';
import { Page } from '../common/pagination';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { Actor } from '../tenancy/scope/actor';
import type { AuditEntry } from './audit-entry.entity';
import { AuditRepository } from './audit.repository';
import type { ListAuditQuery } from './dto/list-audit.query';

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  details?: Record<string, unknown>;
  crossTenantAttempt?: boolean;
}

const NOBODY: Actor = { type: 'anonymous', id: null, ip: null, userAgent: null };

/**
 * Appends to the current tenant's audit log, inside the caller's tenant transaction: the entry
 * commits or rolls back with the change it describes.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly entries: AuditRepository,
  ) {}

  async record(entry: AuditRecord, actor?: Actor): Promise<void> {
    const scope = this.tenantContext.current;
    if (!scope) throw new Error('AuditService.record needs a tenant scope');
    const who = actor ?? scope.actor ?? NOBODY;
    await this.entries.insert({
      tenantId: scope.tenantId,
      actorType: who.type,
      actorId: who.id,
      ip: who.ip,
      userAgent: who.userAgent,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId ?? null,
      details: entry.details ?? {},
      crossTenantAttempt: entry.crossTenantAttempt ?? false,
    });
  }

  async list(query: ListAuditQuery): Promise<Page<AuditEntry>> {
    return this.entries.listPage(query);
  }
}
