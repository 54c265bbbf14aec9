import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { PlatformLeaseRepository } from './platform-lease.repository';

/** A lease this process holds: renewed in the background until released. */
export interface PlatformLease {
  readonly name: string;
  /** False once a renewal found the lease taken by another holder (it had expired). */
  readonly held: boolean;
  /** Throws when the lease was lost: call before each step that needs it. */
  assertHeld(): void;
  release(): Promise<void>;
}

/**
 * "One holder at a time" for long platform work, correct through PgBouncer in transaction mode
 * (a session advisory lock is not: the session belongs to PgBouncer, which hands it to other
 * clients). A lease row with an expiry, renewed every third of its time to live while held; a
 * holder killed half-way lets go when it expires.
 */
@Injectable()
export class PlatformLeasesService {
  private readonly logger = new Logger(PlatformLeasesService.name);

  constructor(private readonly leases: PlatformLeaseRepository) {}

  /** The lease, or null while another holder's lease on `name` has not expired. */
  async acquire(name: string, ttlMs: number): Promise<PlatformLease | null> {
    const holder = randomUUID();
    if (!(await this.leases.acquire(name, holder, ttlMs))) return null;
    return this.heldLease(name, holder, ttlMs);
  }

  /** When the current holder's lease on `name` runs out (null: free). */
  expiresAt(name: string): Promise<Date | null> {
    return this.leases.expiresAt(name);
  }

  private heldLease(name: string, holder: string, ttlMs: number): PlatformLease {
    const leases = this.leases;
    const logger = this.logger;
    let held = true;
    let renewing: Promise<void> = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = leases
          .renew(name, holder, ttlMs)
          .then((still) => {
            if (!still && held) {
              held = false;
              logger.warn({
                msg: 'lease lost: it expired and another holder took it',
                lease: name,
              });
            }
          })
          .catch((error: Error) => {
            // Kept: the next renewal may still come in time.
            logger.warn({ msg: 'lease renewal failed', lease: name, error: error.message });
          });
      },
      Math.max(200, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    return {
      name,
      get held() {
        return held;
      },
      assertHeld() {
        if (!held) throw new Error(`lease ${name} was lost (it expired and was taken)`);
      },
      async release() {
        clearInterval(timer);
        await renewing;
        held = false;
        await leases.release(name, holder);
      },
    };
  }
}
