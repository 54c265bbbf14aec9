import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One tenant-owned table's size per row, all tenants together, from PostgreSQL's statistics. */
export interface TableRowSize {
  table: string;
  /** pg_total_relation_size (heap, TOAST, indexes; partitions summed) over pg_class.reltuples. */
  bytesPerRow: number;
}

/**
 * PostgreSQL's own statistics of the tenant-owned tables (every table in public with a
 * tenant_id column, partitions summed into their parent). The catalogue only: no tenant row is
 * read here.
 */
@Injectable()
export class StorageCatalogueRepository {
  constructor(private readonly dataSource: DataSource) {}

  async tableRowSizes(): Promise<TableRowSize[]> {
    const rows = await this.dataSource.query<
      { name: string; bytes: string; tuples: string; width: string }[]
    >(
      `SELECT c.relname AS name,
              -- A plain table is its own tree; a partitioned one sums its partitions.
              (SELECT coalesce(sum(pg_total_relation_size(pc.oid)), 0) FROM pg_class pc
                WHERE pc.oid = c.oid OR pc.oid IN (SELECT relid FROM pg_partition_tree(c.oid)))
                AS bytes,
              (SELECT coalesce(sum(greatest(pc.reltuples, 0)), 0) FROM pg_class pc
                WHERE pc.oid = c.oid OR pc.oid IN (SELECT relid FROM pg_partition_tree(c.oid)))
                AS tuples,
              (SELECT coalesce(sum(s.avg_width), 0) FROM pg_stats s
                WHERE s.schemaname = 'public' AND s.tablename = c.relname) AS width
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    );
    return rows.map((row) => {
      const tuples = Number(row.tuples);
      // Never analysed yet (reltuples unknown): the columns' average widths plus the tuple header.
      const bytesPerRow =
        tuples > 0 ? Number(row.bytes) / tuples : Number(row.width) > 0 ? Number(row.width) + 24 : 0;
      return { table: row.name, bytesPerRow };
    });
  }
}
