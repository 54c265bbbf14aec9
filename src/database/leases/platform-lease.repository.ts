import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { PlatformDatabase } from '../platform.database';

/** A transaction holding a lease's advisory lock: the lock lives as long as it does. */
export interface LeaseLock {
  /** One round trip on the holding connection: rejects once it (and so the lock) is gone. */
  ping(): Promise<void>;
  /** Ends the transaction (the lock with it) and returns the connection; never throws. */
  close(): Promise<void>;
}

/**
 * platform_leases (migration 1763900000280) on the platform role's connection, and the lease's
 * lock. The row statements are autocommit round trips; the lock is a transaction advisory lock in
 * a transaction of its own: nothing lives in the session, so both hold through PgBouncer in
 * transaction mode.
 */
@Injectable()
export class PlatformLeaseRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  /** Opens a transaction holding `name`'s advisory lock, or null while another has it. */
  async lock(name: string): Promise<LeaseLock | null> {
    const runner = this.platform.dataSource.createQueryRunner();
    let got = false;
    try {
      await runner.connect();
      await runner.startTransaction();
      const rows = (await runner.query(
        'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS got',
        [name],
      )) as { got: boolean }[];
      got = rows[0]?.got === true;
      if (!got) return null;
      return {
        ping: async () => {
          await runner.query('SELECT 1');
        },
        close: () => closeQuietly(runner),
      };
    } finally {
      if (!got) await closeQuietly(runner);
    }
  }

  /**
   * Makes `holder` the holder of `name` (the fencing token), whoever held it before: call only
   * with the lease's advisory lock, which proves no live holder.
   */
  async take(name: string, holder: string): Promise<void> {
    await this.platform.query(
      `INSERT INTO platform_leases (name, holder, expires_at)
       VALUES ($1, $2, 'infinity')
       ON CONFLICT (name) DO UPDATE
          SET holder = excluded.holder, acquired_at = now(), expires_at = excluded.expires_at`,
      [name, holder],
    );
  }

  /** Whether `holder` is still the holder of `name`. */
  async holds(name: string, holder: string): Promise<boolean> {
    const rows = await this.platform.query<unknown[]>(
      'SELECT 1 FROM platform_leases WHERE name = $1 AND holder = $2',
      [name, holder],
    );
    return rows.length > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.platform.query('DELETE FROM platform_leases WHERE name = $1 AND holder = $2', [
      name,
      holder,
    ]);
  }
}

async function closeQuietly(runner: QueryRunner): Promise<void> {
  try {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
  } catch {
    // A dead connection: its transaction, and the lock, ended with it.
  } finally {
    await runner.release().catch(() => undefined);
  }
}
