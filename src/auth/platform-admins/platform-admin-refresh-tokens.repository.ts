import { Injectable } from '@nestjs/common';
import { IsNull, LessThan, type EntityManager } from 'typeorm';
import { PlatformDatabase } from '../../database/platform.database';
import { PlatformAdminRefreshToken } from './platform-admin-refresh-token.entity';

type NewToken = Pick<PlatformAdminRefreshToken, 'adminId' | 'familyId' | 'tokenHash' | 'expiresAt'>;

/** What a rotation, reuse revocation or logout may do while it holds the family's lock. */
export interface LockedFamily {
  /** The presented token's row as of after the lock was taken, or null when unknown. */
  stored: PlatformAdminRefreshToken | null;
  markRotated(id: string): Promise<void>;
  revokeFamily(familyId: string): Promise<number>;
  insert(values: NewToken): Promise<void>;
}

/**
 * The platform_admin_refresh_tokens table, on the platform role's connection (the app role holds
 * no privilege on it).
 */
@Injectable()
export class PlatformAdminRefreshTokensRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  /** A login's first token; drops the admin's tokens that expired a day ago or more. */
  async insertFirst(values: NewToken): Promise<void> {
    await this.platform.manager.transaction(async (manager) => {
      await manager.getRepository(PlatformAdminRefreshToken).delete({
        adminId: values.adminId,
        expiresAt: LessThan(new Date(Date.now() - 24 * 3600 * 1000)),
      });
      await manager.getRepository(PlatformAdminRefreshToken).insert(values);
    });
  }

  /**
   * Runs `work` in one platform transaction holding the presented token's family lock, so every
   * refresh, reuse revocation and logout of one family runs one at a time and each reads what
   * the previous one committed (a logout racing a refresh also revokes the token it issued).
   */
  withLockedFamily<T>(tokenHash: string, work: (family: LockedFamily) => Promise<T>): Promise<T> {
    return this.platform.manager.transaction(async (manager) => {
      const tokens = manager.getRepository(PlatformAdminRefreshToken);
      const found = await tokens.findOneBy({ tokenHash });
      if (found) {
        await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `admin-refresh-family:${found.familyId}`,
        ]);
      }
      // A new statement, so a new snapshot: whatever the lock holder committed is visible.
      const stored = found ? await tokens.findOneBy({ tokenHash }) : null;
      return work(lockedFamily(manager, stored));
    });
  }
}

function lockedFamily(
  manager: EntityManager,
  stored: PlatformAdminRefreshToken | null,
): LockedFamily {
  const tokens = manager.getRepository(PlatformAdminRefreshToken);
  return {
    stored,
    async markRotated(id) {
      await tokens.update({ id }, { rotatedAt: new Date() });
    },
    async revokeFamily(familyId) {
      const result = await tokens.update(
        { familyId, revokedAt: IsNull() },
        { revokedAt: new Date() },
      );
      return result.affected ?? 0;
    },
    async insert(values) {
      await tokens.insert(values);
    },
  };
}
