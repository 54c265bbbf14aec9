import type { EntityManager } from 'typeorm';
import { LOCK_AFTER_FAILURES, LOCK_SECONDS, LOGIN_CLAIM_SECONDS } from './token-policy';

/** The account tables with password lockout columns (failed_login_count, locked_until). */
export type AccountTable = 'users' | 'platform_admins';

/**
 * Lockout that holds under concurrency without holding a row lock while argon2 runs.
 *
 * Before a password is checked, the attempt claims a slot: one atomic UPDATE counts it as a
 * failure in advance and succeeds only while the account is not locked and fewer than
 * LOCK_AFTER_FAILURES attempts are counted. A hundred parallel guesses therefore get at most
 * five password checks. Afterwards the attempt settles: a right password clears the count, a
 * wrong one that brings the count to the limit locks the account for LOCK_SECONDS.
 *
 * A claim that never settles (the process died between the steps, the settle's transaction
 * failed) must not lock the account forever. So the claim that takes the last slot also holds
 * the account with a short lock of LOGIN_CLAIM_SECONDS, which its settle replaces (a right
 * password clears it, a wrong one makes it the full lock). Once any lock has lapsed, the next
 * claim starts counting afresh: claims left behind expire with the hold.
 *
 * Claim and settle each commit on their own, so parallel logins to one account never wait on
 * each other (which would tell a real email from an unknown one by timing).
 */
export async function claimLoginAttempt(
  manager: EntityManager,
  table: AccountTable,
  accountId: string,
): Promise<boolean> {
  // Every SET expression reads the row as it was before this UPDATE; a lapsed lock (or hold)
  // restarts the count at this claim.
  const rows = returning<{ id: string }>(
    await manager.query(
      `UPDATE ${table}
          SET failed_login_count = CASE WHEN locked_until <= now() THEN 1
                                        ELSE failed_login_count + 1 END,
              locked_until = CASE
                WHEN (CASE WHEN locked_until <= now() THEN 1 ELSE failed_login_count + 1 END) >= $2
                  THEN now() + make_interval(secs => $3)
                WHEN locked_until <= now() THEN NULL
                ELSE locked_until END
        WHERE id = $1
          AND (locked_until <= now() OR (locked_until IS NULL AND failed_login_count < $2))
      RETURNING id`,
      [accountId, LOCK_AFTER_FAILURES, LOGIN_CLAIM_SECONDS],
    ),
  );
  return rows.length === 1;
}

/** Settles a claimed attempt; returns whether the account is now locked. */
export async function settleLoginAttempt(
  manager: EntityManager,
  table: AccountTable,
  accountId: string,
  passwordMatched: boolean,
): Promise<{ locked: boolean }> {
  if (passwordMatched) {
    await manager.query(
      `UPDATE ${table} SET failed_login_count = 0, locked_until = NULL, last_login_at = now()
        WHERE id = $1`,
      [accountId],
    );
    return { locked: false };
  }
  const rows = returning<{ locked: boolean }>(
    await manager.query(
      `UPDATE ${table}
        SET locked_until = CASE WHEN failed_login_count >= $2
                                THEN now() + make_interval(secs => $3) ELSE locked_until END,
            failed_login_count = CASE WHEN failed_login_count >= $2 THEN 0 ELSE failed_login_count END
      WHERE id = $1
      RETURNING coalesce(locked_until > now(), false) AS locked`,
      [accountId, LOCK_AFTER_FAILURES, LOCK_SECONDS],
    ),
  );
  return { locked: rows[0]?.locked === true };
}

/** TypeORM answers an UPDATE … RETURNING with [rows, affectedCount]; a SELECT with rows. */
function returning<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}
