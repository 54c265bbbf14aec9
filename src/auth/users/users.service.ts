import { ConflictException, ForbiddenException, Injectable } from '@nestjs/common';
import type { Caller } from '../../tenancy/scope/caller';
import { mayManageOwners } from '../caller-permissions';
import { assertMayGrant } from '../grant-policy';
import { permissionsOf, type Role } from '../permissions';
import { ResourceNotFoundException } from '../../tenancy/scope/resource-not-found.exception';
import { AuditService } from '../../audit/audit.service';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { Page } from '../../common/pagination';
import { isUniqueViolation } from '../../common/postgres-errors';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { CredentialInvalidationListener } from '../../tenancy/scope/credential-cache/credential-invalidation.listener';
import { PasswordHasher } from '../password.hasher';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

/** The current tenant's users. Every query runs in the tenant transaction, so RLS applies. */
@Injectable()
export class UsersService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly entitlements: EntitlementsService,
    private readonly invalidation: CredentialInvalidationListener,
  ) {}

  /**
   * `tenant`, when given, holds the addition to its plan's users limit (403 with the limit and
   * the count when reached); a new tenant's first owner is made without it.
   */
  async create(input: CreateUserDto, caller: Caller, tenant?: Tenant): Promise<User> {
    if (input.role === 'owner') this.assertMayManageOwners(caller);
    this.assertMayGrantRole(caller, input.role, null);
    if (tenant) await this.assertRoomForOneMore(tenant);
    const passwordHash = input.password ? await this.hasher.hash(input.password) : null;
    try {
      const user = await this.users.insert({
        tenantId: this.tenantContext.tenantId,
        email: input.email.trim(),
        role: input.role,
        passwordHash,
      });
      await this.audit.record({
        action: 'user.created',
        resourceType: 'user',
        resourceId: user.id,
        details: { email: user.email, role: user.role, with_password: passwordHash !== null },
      });
      return this.get(user.id);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException({
          message: 'A user with this email already exists in this tenant',
          errors: [{ field: 'email', message: 'email is already used in this tenant' }],
        });
      }
      throw error;
    }
  }

  async list(query: ListUsersQuery): Promise<Page<User>> {
    return this.users.listPage(query);
  }

  /** 404 both for a missing user and for another tenant's: RLS makes them indistinguishable. */
  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new ResourceNotFoundException('user', id);
    return user;
  }

  /** Like get(), or null: for callers that answer a miss their own way (GET /auth/me). */
  async find(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  /**
   * The user with its row locked to the end of the transaction, so the checks on its current
   * role and the write that follows see the same row (a promotion committed in between would
   * otherwise let a weaker caller disable the freshly promoted user, or write back the old role).
   */
  /** Active users count against the plan; disabled ones do not. A downgrade keeps them all. */
  private async assertRoomForOneMore(tenant: Tenant): Promise<void> {
    await this.entitlements.assertBelowLimit(tenant, 'users', () => this.users.countActiveLocked());
  }

  private async getLocked(id: string): Promise<User> {
    const user = await this.users.findByIdForUpdate(id);
    if (!user) throw new ResourceNotFoundException('user', id);
    return user;
  }

  /** Re-enabling a disabled user counts against the plan's users limit like adding one. */
  async update(id: string, change: UpdateUserDto, caller: Caller, tenant?: Tenant): Promise<User> {
    await this.users.lockActiveOwners();
    const user = await this.getLocked(id);
    if (user.role === 'owner' || change.role === 'owner') this.assertMayManageOwners(caller);
    this.assertMayManage(caller, user);
    if (change.role) this.assertMayGrantRole(caller, change.role, user.id);
    const next = { role: change.role ?? user.role, status: change.status ?? user.status };
    if (tenant && user.status !== 'active' && next.status === 'active') {
      await this.assertRoomForOneMore(tenant);
    }
    if (this.isActiveOwner(user) && !(next.role === 'owner' && next.status === 'active')) {
      await this.assertAnotherActiveOwner(user.id);
    }
    await this.users.update(id, next);
    // A disabled or demoted user's tokens stop working on every app copy now.
    await this.invalidation.tenantChanged(this.tenantContext.tenantId);
    await this.audit.record({
      action: 'user.updated',
      resourceType: 'user',
      resourceId: id,
      details: { ...change },
    });
    return this.get(id);
  }

  async remove(id: string, caller: Caller): Promise<void> {
    await this.users.lockActiveOwners();
    const user = await this.getLocked(id);
    if (user.role === 'owner') this.assertMayManageOwners(caller);
    this.assertMayManage(caller, user);
    if (this.isActiveOwner(user)) await this.assertAnotherActiveOwner(user.id);
    await this.users.delete(id);
    await this.invalidation.tenantChanged(this.tenantContext.tenantId);
    await this.audit.record({
      action: 'user.deleted',
      resourceType: 'user',
      resourceId: id,
      details: { email: user.email },
    });
  }

  /** users:write manages everyone but owners; the owner role is the owners' own business. */
  private assertMayManageOwners(caller: Caller): void {
    if (!mayManageOwners(caller)) {
      throw new ForbiddenException(
        'Only an owner (or a platform admin) can grant, change or remove the owner role',
      );
    }
  }

  /** A role is granted only by a caller holding every permission of it (API keys: their scopes). */
  private assertMayGrantRole(caller: Caller, role: Role, userId: string | null): void {
    assertMayGrant(
      caller,
      permissionsOf(role),
      { field: 'role', requested: role, resourceType: 'user', resourceId: userId },
      (missing) => ({
        message: `You cannot grant the role ${role}: it holds permissions you lack: ${missing}`,
        fieldMessage: `role ${role} holds permissions you lack: ${missing}`,
      }),
    );
  }

  /**
   * Changing, disabling or removing a user is for callers who could have granted that user's
   * role: whoever holds less cannot take a stronger account away from its holder (or re-enable it).
   */
  private assertMayManage(caller: Caller, user: User): void {
    assertMayGrant(
      caller,
      permissionsOf(user.role),
      { field: 'id', requested: user.role, resourceType: 'user', resourceId: user.id },
      (missing) => ({
        message: `You cannot manage this user: its role (${user.role}) holds permissions you lack: ${missing}`,
        fieldMessage: `user with role ${user.role} holds permissions you lack: ${missing}`,
      }),
    );
  }

  private isActiveOwner(user: User): boolean {
    return user.role === 'owner' && user.status === 'active';
  }

  private async assertAnotherActiveOwner(exceptId: string): Promise<void> {
    const others = await this.users.countOtherActiveOwners(exceptId);
    if (others === 0) {
      throw new ConflictException('A tenant must keep at least one active owner');
    }
  }
}
