import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  moveTenantRowsCursorSql,
  tenantRowsChecksumSql,
} from './1763900000271-create-tenant-moves';

/**
 * The tenant move reads and verifies stored columns only. Since 282 the events table has six
 * generated columns; the move's cursor sent them in every row's JSON (the target discards them
 * and computes its own) and its checksum hashed them on both sides, inside the hold. Both now
 * leave them out: same rows, same verdict, shorter hold. Owner and grants stay (OR REPLACE).
 */
export class MoveStoredColumns1763900000283 implements MigrationInterface {
  name = 'MoveStoredColumns1763900000283';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(moveTenantRowsCursorSql(true, true));
    await runner.query(tenantRowsChecksumSql(true, true));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(moveTenantRowsCursorSql(true, false));
    await runner.query(tenantRowsChecksumSql(true, false));
  }
}
