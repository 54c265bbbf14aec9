import type { ConfigService } from '@nestjs/config';
import type { DataSource } from 'typeorm';
import type { Environment } from '../config/environment';
import { PoolerTimeoutCheck } from './pooler-timeout.check';

/** A pool whose role reports `ms` as its statement_timeout. */
const poolWithTimeout = (role: string, ms: number) =>
  ({ query: () => Promise.resolve([{ role, ms }]) }) as unknown as DataSource;

const config = (pooler: string) =>
  ({
    get: (key: string) => ({ DATABASE_POOLER: pooler, DATABASE_STATEMENT_TIMEOUT_MS: 15000 })[key],
  }) as unknown as ConfigService<Environment, true>;

describe('PoolerTimeoutCheck', () => {
  it('refuses to start behind PgBouncer when a serving role has no statement_timeout', async () => {
    const check = new PoolerTimeoutCheck(
      config('pgbouncer'),
      poolWithTimeout('tenantry_app', 15000),
      poolWithTimeout('tenantry_platform', 0),
    );
    await expect(check.onApplicationBootstrap()).rejects.toThrow(
      /role tenantry_platform has no statement_timeout/,
    );
  });

  it('starts when both roles carry it, and checks nothing without the pooler', async () => {
    await expect(
      new PoolerTimeoutCheck(
        config('pgbouncer'),
        poolWithTimeout('tenantry_app', 15000),
        poolWithTimeout('tenantry_platform', 15000),
      ).onApplicationBootstrap(),
    ).resolves.toBeUndefined();
    await expect(
      new PoolerTimeoutCheck(
        config('none'),
        poolWithTimeout('tenantry_app', 0),
        poolWithTimeout('tenantry_platform', 0),
      ).onApplicationBootstrap(),
    ).resolves.toBeUndefined();
  });
});
