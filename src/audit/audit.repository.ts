import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Page } from '../common/pagination';
import type { Actor } from '../tenancy/scope/actor';
import { TenantContext } from '../tenancy/scope/tenant.context';
import { AuditEntry } from './audit-entry.entity';
import type { ListAuditQuery } from './dto/list-audit.query';

/** A new entry: the database fills in its id and time. */
export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

/**
 * The audit_log table, in the tenant transaction: an entry commits or rolls back with the
 * change it describes, and RLS shows a tenant its own log only.
 */
@Injectable()
export class AuditRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get entries() {
    return this.tenantContext.manager.getRepository(AuditEntry);
  }

  async insert(entry: NewAuditEntry): Promise<void> {
    // jsonb: TypeORM's deep-partial insert type cannot express an open record.
    await this.entries.insert({ ...entry, details: entry.details as never });
  }

  async listPage(query: ListAuditQuery): Promise<Page<AuditEntry>> {
    const builder = this.entries.createQueryBuilder('entry');
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

  /**
   * record_cross_tenant_attempt(): when another tenant owns the resource id, writes the attempt
   * into THAT tenant's log and answers true. The database looks the owner up, so the app never
   * reads another tenant's rows.
   */
  async recordCrossTenantAttempt(
    resource: { type: string; id: string },
    actor: Actor,
    details: Record<string, unknown>,
  ): Promise<boolean> {
    const parameters = [
      resource.type,
      resource.id,
      actor.type,
      actor.id,
      actor.ip,
      actor.userAgent,
      JSON.stringify(details),
    ];
    if (await this.recordIn(this.tenantContext.manager, parameters)) return true;
    // Issue 18: the owner may live in another placement database. The same function there, in a
    // transaction of its own carrying the caller's tenant (the function reads it), writes into
    // the owner's log in its own database.
    const caller = this.tenantContext.tenantId;
    let recorded = false;
    await this.tenantContext.detached(() =>
      this.tenantContext.onPlacementsBesidesTenants(caller, 'app', async (connection) => {
        if (recorded) return;
        recorded = await this.tenantContext.runInTenantOn(connection, caller, () =>
          this.recordIn(this.tenantContext.manager, parameters),
        );
      }),
    );
    return recorded;
  }

  private async recordIn(manager: EntityManager, parameters: unknown[]): Promise<boolean> {
    const rows: { recorded: boolean }[] = await manager.query(
      'SELECT record_cross_tenant_attempt($1, $2, $3, $4, $5, $6, $7) AS recorded',
      parameters,
    );
    return rows[0]?.recorded === true;
  }
}
