import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Environment } from '../config/environment';
import { PLATFORM_CONNECTION } from './platform.database';

/**
 * Through PgBouncer the pools send no statement_timeout (PgBouncer refuses the startup
 * parameter), so the roles must carry it (ALTER ROLE … SET statement_timeout, bootstrap.sql).
 * Refuses to start when a role has none (a runaway query would hold one of the pooler's few server
 * connections for ever), and warns when it differs from DATABASE_STATEMENT_TIMEOUT_MS.
 */
@Injectable()
export class PoolerTimeoutCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(PoolerTimeoutCheck.name);

  constructor(
    private readonly config: ConfigService<Environment, true>,
    private readonly dataSource: DataSource,
    @InjectDataSource(PLATFORM_CONNECTION) private readonly platformDataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.get('DATABASE_POOLER', { infer: true }) !== 'pgbouncer') return;
    const expected = this.config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true });
    for (const dataSource of [this.dataSource, this.platformDataSource]) {
      const [row] = await dataSource.query<{ role: string; ms: number }[]>(
        "SELECT current_user AS role, setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'",
      );
      if (row.ms === expected) continue;
      const fix = `ALTER ROLE ${row.role} SET statement_timeout = ${expected} (scripts/stack/postgres/bootstrap.sql)`;
      if (row.ms === 0) {
        throw new Error(
          `DATABASE_POOLER=pgbouncer: role ${row.role} has no statement_timeout; ${fix}`,
        );
      } else {
        this.logger.warn({
          msg: `role ${row.role} has statement_timeout ${row.ms} ms, DATABASE_STATEMENT_TIMEOUT_MS is ${expected}: ${fix}`,
          role: row.role,
        });
      }
    }
  }
}
