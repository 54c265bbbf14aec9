import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../platform.database';

/**
 * platform_leases (migration 1763900000280) on the platform role's connection. Each statement
 * is one autocommit round trip: nothing lives in the session, so it holds through PgBouncer in
 * transaction mode.
 */
@Injectable()
export class PlatformLeaseRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  /** Takes `name` for `holder` when it is free or expired: false when someone else holds it. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.platform.query<unknown[]>(
      `INSERT INTO platform_leases (name, holder, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000))
       ON CONFLICT (name) DO UPDATE
          SET holder = excluded.holder, acquired_at = now(), expires_at = excluded.expires_at
        WHERE platform_leases.expires_at < now()
       RETURNING holder`,
      [name, holder, ttlMs],
    );
    return rows.length > 0;
  }

  /** Pushes the expiry out; false when `holder` no longer holds `name` (it expired and was taken). */
  async renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const [rows] = await this.platform.query<[unknown[], number]>(
      `UPDATE platform_leases
          SET expires_at = now() + make_interval(secs => $3::double precision / 1000)
        WHERE name = $1 AND holder = $2
       RETURNING name`,
      [name, holder, ttlMs],
    );
    return rows.length > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.platform.query('DELETE FROM platform_leases WHERE name = $1 AND holder = $2', [
      name,
      holder,
    ]);
  }

  /** When the current holder's lease runs out, or null when nobody holds `name`. */
  async expiresAt(name: string): Promise<Date | null> {
    const rows = await this.platform.query<{ expires_at: Date }[]>(
      'SELECT expires_at FROM platform_leases WHERE name = $1 AND expires_at >= now()',
      [name],
    );
    return rows[0]?.expires_at ?? null;
  }
}
