import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PLATFORM_CONNECTION } from '../../database/platform.database';

/**
 * Which tenants have a move under way (issue 18), read from control's `tenant_moves`: work that
 * deletes a tenant's rows (retention, erasure) leaves them alone until the move is over, since
 * deletes of rows already copied would make the move's checks differ and roll it back.
 */
@Injectable()
export class OpenMovesRepository {
  constructor(@InjectDataSource(PLATFORM_CONNECTION) private readonly control: DataSource) {}

  async tenantIds(): Promise<Set<string>> {
    const rows = await this.control.query<{ id: string }[]>(
      `SELECT moved_tenant_id AS id FROM tenant_moves
        WHERE state NOT IN ('done', 'failed', 'rolled_back')`,
    );
    return new Set(rows.map((row) => row.id));
  }

  async isMoving(tenantId: string): Promise<boolean> {
    const rows = await this.control.query<unknown[]>(
      `SELECT 1 FROM tenant_moves
        WHERE moved_tenant_id = $1 AND state NOT IN ('done', 'failed', 'rolled_back') LIMIT 1`,
      [tenantId],
    );
    return rows.length > 0;
  }
}
