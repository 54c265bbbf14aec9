import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../../database/platform.database';
import { claimLoginAttempt, settleLoginAttempt } from '../login-attempts';
import { PlatformAdmin } from './platform-admin.entity';

/**
 * The platform_admins table, on the platform role's connection: the app role cannot read or
 * change it.
 */
@Injectable()
export class PlatformAdminsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  private get admins() {
    return this.platform.manager.getRepository(PlatformAdmin);
  }

  count(): Promise<number> {
    return this.admins.count();
  }

  async insert(values: Pick<PlatformAdmin, 'email' | 'passwordHash'>): Promise<void> {
    await this.admins.insert(values);
  }

  findById(id: string): Promise<PlatformAdmin | null> {
    return this.admins.findOneBy({ id });
  }

  /** For a login: the admin of that email (any case), with the password hash. */
  findByEmailWithPasswordHash(email: string): Promise<PlatformAdmin | null> {
    return this.admins
      .createQueryBuilder('admin')
      .addSelect('admin.passwordHash')
      .where('lower(admin.email) = lower(:email)', { email: email.trim() })
      .getOne();
  }

  /** See login-attempts.ts: counts the attempt before the password is checked. */
  claimLoginAttempt(id: string): Promise<boolean> {
    return claimLoginAttempt(this.platform.manager, 'platform_admins', id);
  }

  settleLoginAttempt(id: string, passwordMatched: boolean): Promise<{ locked: boolean }> {
    return settleLoginAttempt(this.platform.manager, 'platform_admins', id, passwordMatched);
  }
}
