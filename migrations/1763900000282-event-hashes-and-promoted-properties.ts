import type { MigrationInterface, QueryRunner } from 'typeorm';
import { moveTenantRowsInSql } from './1763900000271-create-tenant-moves';

/**
 * The 64-bit id hash, the same function as ClickHouse's column (schema.ts, step 7): 0 for the
 * empty id, else the first 8 bytes of the id's MD5 read big-endian as a signed bigint
 * (ClickHouse's halfMD5 reads them unsigned: the same bits, so the same distinct count).
 */
const idHash = (column: string) =>
  `CASE WHEN ${column} = '' THEN 0 ELSE ('x' || left(md5(${column}), 16))::bit(64)::bigint END`;

/** The promoted properties of issue 19: key → column (src/analytics/stores/promoted-properties.ts). */
const PROMOTED: [key: string, column: string][] = [
  ['country', 'prop_country'],
  ['device', 'prop_device'],
  ['browser', 'prop_browser'],
  ['page_url', 'prop_page_url'],
];

/**
 * Issue 19, analytics at the largest tenant. Columns computed by the database from each event
 * as it is inserted (GENERATED ... STORED, so every writer fills them the same way: ingestion,
 * moves, imports, restores, the bench's loader), read by the analytics store:
 *
 * - `user_hash`, `session_hash`: distinct users and sessions are counted over these 64-bit
 *   integers instead of the strings (0 stands for the empty id, never counted).
 * - `prop_<key>`: `properties ->> '<key>'` of the promoted keys, so filters and breakdowns by
 *   them read one narrow column instead of every event's JSON.
 *
 * Adding the columns rewrites the events table (an exclusive lock for as long: minutes at tens
 * of millions of rows). The move function writes named columns from now on: a generated column
 * takes no value, not even NULL.
 */
export class EventHashesAndPromotedProperties1763900000282 implements MigrationInterface {
  name = 'EventHashesAndPromotedProperties1763900000282';

  async up(runner: QueryRunner): Promise<void> {
    const columns = [
      `ADD COLUMN user_hash bigint GENERATED ALWAYS AS (${idHash('user_id')}) STORED`,
      `ADD COLUMN session_hash bigint GENERATED ALWAYS AS (${idHash('session_id')}) STORED`,
      ...PROMOTED.map(
        ([key, column]) =>
          `ADD COLUMN ${column} text GENERATED ALWAYS AS (properties ->> '${key}') STORED`,
      ),
    ];
    await runner.query(`ALTER TABLE events ${columns.join(', ')}`);
    await runner.query(moveTenantRowsInSql(true, true));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(moveTenantRowsInSql(true, false));
    const columns = ['user_hash', 'session_hash', ...PROMOTED.map(([, column]) => column)];
    await runner.query(
      `ALTER TABLE events ${columns.map((column) => `DROP COLUMN ${column}`).join(', ')}`,
    );
  }
}
