import { Injectable } from '@nestjs/common';
import { Page } from '../common/pagination';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { Actor } from '../tenancy/scope/actor';
import { AuditEntry } from './audit-entry.entity';
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
  constructor(private readonly tenantContext: TenantContext) {}

  async record(entry: AuditRecord, actor?: Actor): Promise<void> {
    const scope = this.tenantContext.current;
    if (!scope) throw new Error('AuditService.record needs a tenant scope');
    const who = actor ?? scope.actor ?? NOBODY;
    await scope.manager.getRepository(AuditEntry).insert({
      tenantId: scope.tenantId,
      actorType: who.type,
      actorId: who.id,
      ip: who.ip,
      userAgent: who.userAgent,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId ?? null,
      // jsonb: TypeORM's deep-partial insert type cannot express an open record.
      details: (entry.details ?? {}) as never,
      crossTenantAttempt: entry.crossTenantAttempt ?? false,
    });
  }

  async list(query: ListAuditQuery): Promise<Page<AuditEntry>> {
    const builder = this.tenantContext.manager
      .getRepository(AuditEntry)
      .createQueryBuilder('entry');
    if (query.action) builder.andWhere('entry.action = :action', { action: query.action });
    if (query.actor_id) builder.andWhere('entry.actor_id = :actorId', { actorId: query.actor_id });
    if (query.from) builder.andWhere('entry.at >= :from', { from: query.from });
    if (query.to) builder.andWhere('entry.at < :to', { to: query.to });
    const [data, total] = await builder
      .orderBy('entry.at', 'DESC')
      .addOrderBy('entry.id', 'ASC')
      .skip((query.page - 1) * query.limit)
      .take(query.limit)
      .getManyAndCount();
    return { data, total, page: query.page, limit: query.limit };
  }
}
