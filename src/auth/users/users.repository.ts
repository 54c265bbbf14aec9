import { Injectable } from '@nestjs/common';
import type { Page } from '../../common/pagination';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { claimLoginAttempt, settleLoginAttempt } from '../login-attempts';
import type { ListUsersQuery } from './dto/list-users.query';
import { User } from './user.entity';

/** The users table, always in the tenant transaction: RLS sees the current tenant only. */
@Injectable()
export class UsersRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get users() {
    return this.tenantContext.manager.getRepository(User);
  }

  /**
   * The tenant's active users, counted under a transaction lock of the tenant's user count, so
   * two additions at once cannot both see room for one more (the plan's users limit).
   */
  async countActiveLocked(): Promise<number> {
    await this.tenantContext.manager.query(
      "SELECT pg_advisory_xact_lock(hashtextextended('tenantry.users:' || $1, 0))",
      [this.tenantContext.tenantId],
    );
    return this.users.countBy({ status: 'active' });
  }

  insert(values: Pick<User, 'tenantId' | 'email' | 'role' | 'passwordHash'>): Promise<User> {
    return this.users.save(this.users.create(values));
  }

  async listPage(query: ListUsersQuery): Promise<Page<User>> {
    const [data, total] = await this.users.findAndCount({
      where: {
        ...(query.role ? { role: query.role } : {}),
        ...(query.status ? { status: query.status } : {}),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: (query.page - 1) * query.limit,
      take: query.limit,
    });
    return { data, total, page: query.page, limit: query.limit };
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** The row locked FOR UPDATE to the end of the transaction. */
  findByIdForUpdate(id: string): Promise<User | null> {
    return this.users.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Only what the tenant pipeline checks on every request with a user token. */
  findStatusAndRole(id: string): Promise<Pick<User, 'status' | 'role'> | null> {
    return this.users.findOne({ select: { status: true, role: true }, where: { id } });
  }

  /** For a password re-entry: the user with the password hash. */
  findByIdWithPasswordHash(id: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.id = :id', { id })
      .getOne();
  }

  /** For a login: the user of that email (any case), with the password hash. */
  findByEmailWithPasswordHash(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('lower(user.email) = lower(:email)', { email: email.trim() })
      .getOne();
  }

  async update(id: string, values: Pick<User, 'role' | 'status'>): Promise<void> {
    await this.users.update({ id }, values);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { passwordHash });
  }

  async delete(id: string): Promise<void> {
    await this.users.delete({ id });
  }

  /**
   * Serialises changes to a tenant's owners: two admins demoting the last two owners at once
   * would otherwise each see one owner left.
   */
  async lockActiveOwners(): Promise<void> {
    await this.tenantContext.manager.query(
      "SELECT id FROM users WHERE role = 'owner' AND status = 'active' FOR UPDATE",
    );
  }

  countOtherActiveOwners(exceptId: string): Promise<number> {
    return this.users
      .createQueryBuilder('user')
      .where("user.role = 'owner' AND user.status = 'active' AND user.id <> :exceptId", {
        exceptId,
      })
      .getCount();
  }

  /** See login-attempts.ts: counts the attempt before the password is checked. */
  claimLoginAttempt(id: string): Promise<boolean> {
    return claimLoginAttempt(this.tenantContext.manager, 'users', id);
  }

  settleLoginAttempt(id: string, passwordMatched: boolean): Promise<{ locked: boolean }> {
    return settleLoginAttempt(this.tenantContext.manager, 'users', id, passwordMatched);
  }
}
