import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlatformDatabase } from '../../database/platform.database';
import { PlacementUnavailableError } from '../../database/placements/placement';
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

  /**
   * One page, newest first; every row carries the total. With siloed placements (issue 18) the
   * same reader runs in each placement database and the pages are merged here: each is asked
   * for everything up to this page's end, a tenant's row is kept only from the database control
   * places it in (a move's leftovers never show twice), and the totals are added.
   */
  async page(query: ListPlatformAuditQuery): Promise<PlatformAuditRow[]> {
    const offset = (query.page - 1) * query.limit;
    const control = await this.entries(this.platform.dataSource, query, query.limit, offset);
    const others = await this.fromOtherPlacements(query, offset + query.limit);
    if (others.length === 0) return control;
    const all = await this.keepOwnRows([
      {
        placementId: null,
        rows: await this.entries(this.platform.dataSource, query, offset + query.limit, 0),
      },
      ...others,
    ]);
    const total = all.totals;
    return all.rows
      .sort(
        (a, b) => new Date(b.at).getTime() - new Date(a.at).getTime() || a.id.localeCompare(b.id),
      )
      .slice(offset, offset + query.limit)
      .map((row) => ({ ...row, total: String(total) }));
  }

  private entries(
    connection: { query<T>(text: string, parameters?: unknown[]): Promise<T> },
    query: ListPlatformAuditQuery,
    limit: number,
    offset: number,
  ): Promise<PlatformAuditRow[]> {
    return connection.query<PlatformAuditRow[]>(
      'SELECT * FROM platform_audit_entries($1, $2, $3, $4, $5, $6, $7, $8)',
      [
        query.tenant_id ?? null,
        query.action ?? null,
        query.actor_id ?? null,
        query.from ?? null,
        query.to ?? null,
        query.cross_tenant_only ?? false,
        limit,
        offset,
      ],
    );
  }

  /** The same reader in every other active placement database. */
  private async fromOtherPlacements(
    query: ListPlatformAuditQuery,
    limit: number,
  ): Promise<{ placementId: string; rows: PlatformAuditRow[] }[]> {
    const results: { placementId: string; rows: PlatformAuditRow[] }[] = [];
    const failed = await this.platform.onOtherPlacements(async (connection, placement) => {
      results.push({
        placementId: placement.id,
        rows: await this.entries(connection, query, limit, 0),
      });
    });
    // An unreachable placement's entries cannot be shown: the operator's list must say so.
    if (failed.length > 0) {
      throw new PlacementUnavailableError(failed[0].placement, 'its audit entries cannot be read');
    }
    return results;
  }

  /**
   * A tenant's rows only from the database control places it in (PlatformDatabase.keepOwnRows);
   * the totals are every database's window counts added.
   */
  private async keepOwnRows(
    groups: { placementId: string | null; rows: PlatformAuditRow[] }[],
  ): Promise<{ rows: PlatformAuditRow[]; totals: number }> {
    let totals = 0;
    for (const group of groups) totals += group.rows.length > 0 ? Number(group.rows[0].total) : 0;
    return { rows: await this.platform.keepOwnRows(groups), totals };
  }

  /** The number of entries the filters match (a page past the end has no row to carry it). */
  async count(query: ListPlatformAuditQuery): Promise<number> {
    let total = 0;
    for (const { rows } of [
      { rows: await this.entries(this.platform.dataSource, query, 1, 0) },
      ...(await this.fromOtherPlacements(query, 1)),
    ]) {
      total += rows.length > 0 ? Number(rows[0].total) : 0;
    }
    return total;
  }
}
