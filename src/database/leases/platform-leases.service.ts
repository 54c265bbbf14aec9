import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { type LeaseLock, PlatformLeaseRepository } from './platform-lease.repository';

/** A lease this process holds until it releases it, or its holding connection dies. */
export interface PlatformLease {
  readonly name: string;
  /** The fencing token: a write made under the lease checks it in its own statement. */
  readonly holder: string;
  /** False once its lock connection failed or its token was taken (another may run now). */
  readonly held: boolean;
  /** Throws when the lease was lost: call before each step that needs it (one round trip). */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

/**
 * "One holder at a time" for long platform work, correct both on direct connections and through
 * PgBouncer in transaction mode, with no timer:
 * - exclusion: a transaction advisory lock (pg_try_advisory_xact_lock) in a transaction kept open
 *   while the lease is held. A transaction pins one server connection, under PgBouncer's
 *   transaction mode too, so the lock stays with its holder; and when the holder dies its
 *   connection closes (PgBouncer closes a server connection whose client left mid-transaction),
 *   the transaction ends and the lock is free at once: a killed purge is resumable straight away.
 *   A session lock would not hold through PgBouncer; an expiring row would wait out its expiry
 *   and could expire under a stalled holder that is still working.
 * - fencing: each acquire writes a new holder token to platform_leases (safe: the lock proves no
 *   live holder). Writes made under the lease check the token in their own statement, so a
 *   holder that lost its lock connection and was superseded cannot record anything.
 * Cost: one platform connection, idle in a transaction without a snapshot or xid, per lease held.
 */
@Injectable()
export class PlatformLeasesService {
  private readonly logger = new Logger(PlatformLeasesService.name);

  constructor(private readonly leases: PlatformLeaseRepository) {}

  /** The lease, or null while another live holder has `name`. */
  async acquire(name: string): Promise<PlatformLease | null> {
    const lock = await this.leases.lock(name);
    if (!lock) return null;
    const holder = randomUUID();
    try {
      await this.leases.take(name, holder);
    } catch (error) {
      await lock.close();
      throw error;
    }
    return this.heldLease(name, holder, lock);
  }

  private heldLease(name: string, holder: string, lock: LeaseLock): PlatformLease {
    const leases = this.leases;
    const logger = this.logger;
    let held = true;
    const lost = (error: Error) => {
      if (!held) return;
      held = false;
      logger.warn({ msg: 'lease lost', lease: name, error: error.message });
    };
    return {
      name,
      holder,
      get held() {
        return held;
      },
      async assertHeld() {
        // The lock lives as long as its connection's transaction: a round trip proves it.
        if (held) await lock.ping().catch(lost);
        if (held && !(await leases.holds(name, holder))) lost(new Error('another holder took it'));
        if (!held) throw new Error(`lease ${name} was lost`);
      },
      async release() {
        held = false;
        await lock.close();
        await leases.release(name, holder);
      },
    };
  }
}
