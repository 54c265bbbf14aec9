import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantContext } from './scope/tenant.context';

/**
 * Row counts of every tenant-owned table (whatever tables the migrations made), for the
 * operator's statistics of one tenant: the list comes from the catalogue, the counts from the
 * tenant's own RLS scope.
 */
@Injectable()
export class TenantRowCountsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantContext: TenantContext,
  ) {}

  /** Every table (not partition) in public that carries a tenant_id column. */
  async tenantOwnedTables(): Promise<string[]> {
    const rows = await this.dataSource.query<{ name: string }[]>(
      `SELECT c.relname AS name
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    );
    return rows.map((row) => row.name);
  }

  /** The rows of `table` the current tenant scope sees. */
  async count(table: string): Promise<number> {
    // Table names come from the catalogue, never from the request.
    const [{ count }] = await this.tenantContext.manager.query<{ count: string }[]>(
      `SELECT count(*)::bigint AS count FROM ${quoteIdentifier(table)}`,
    );
    return Number(count);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
