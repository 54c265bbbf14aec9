import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PLATFORM_FUNCTIONS } from '../../migrations/1763900000030-platform-role';
import { INVOICE_PLATFORM_FUNCTIONS } from '../../migrations/1763900000061-invoice-readers';
import { TENANT_PURGE_FUNCTIONS } from '../../migrations/1763900000070-tenant-lifecycle';
import { TENANT_MOVE_FUNCTIONS } from '../../migrations/1763900000271-create-tenant-moves';
import { ERASURE_PLATFORM_FUNCTIONS } from '../../migrations/1763900000090-create-erasure-requests';
import { RETENTION_PLATFORM_FUNCTIONS } from '../../migrations/1763900000091-event-retention';
import { CUSTOM_DOMAIN_PLATFORM_FUNCTIONS } from '../../migrations/1763900000111-custom-domain-rechecks';
import { TENANT_ACTIVITY_PLATFORM_FUNCTIONS } from '../../migrations/1763900000180-tenant-activity';
import { REDIS_REBUILD_PLATFORM_FUNCTIONS } from '../../migrations/1763900000260-redis-rebuild-readers';
import { PLATFORM_CONNECTION } from './platform.database';

export interface RoleFacts {
  role: string;
  superuser: boolean;
  bypassesRls: boolean;
  /** Roles the role can act as (membership) that are superusers or bypass RLS. */
  privilegedMemberships: string[];
  ownedRelations: string[];
  /**
   * What the platform role holds that this role holds too (the cross-tenant readers, UPDATE on
   * tenants, platform_admins), or membership of the platform role. Checked for the app role only.
   */
  platformPrivileges?: string[];
}

/** Why a role must not serve traffic, or an empty list when it is safe. */
export function roleProblems(facts: RoleFacts): string[] {
  const problems: string[] = [];
  if (facts.superuser) problems.push(`role ${facts.role} is a superuser`);
  if (facts.bypassesRls) problems.push(`role ${facts.role} has BYPASSRLS`);
  if (facts.privilegedMemberships.length > 0) {
    problems.push(
      `role ${facts.role} is a member of privileged roles: ${facts.privilegedMemberships.join(', ')}`,
    );
  }
  if (facts.ownedRelations.length > 0) {
    problems.push(
      `role ${facts.role} owns ${facts.ownedRelations.join(', ')} (table owners can escape RLS)`,
    );
  }
  if (facts.platformPrivileges && facts.platformPrivileges.length > 0) {
    problems.push(
      `role ${facts.role} serves tenant traffic but holds the platform role's ${facts.platformPrivileges.join(', ')}`,
    );
  }
  return problems;
}

/**
 * Refuses to start when a database role could read across tenants: RLS only holds for a role
 * that is neither superuser, BYPASSRLS, nor the owner of the tables. Checks the app role (tenant
 * traffic) and the platform role (/admin paths), and that the app role holds nothing of the
 * platform role's: two distinct roles, so an injection in tenant traffic cannot reach the
 * cross-tenant readers.
 */
@Injectable()
export class DatabaseRoleCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(DatabaseRoleCheck.name);

  constructor(
    private readonly dataSource: DataSource,
    @InjectDataSource(PLATFORM_CONNECTION) private readonly platformDataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const app = await this.readFacts(this.dataSource);
    const platform = await this.readFacts(this.platformDataSource);
    app.platformPrivileges = await this.platformPrivilegesOf(platform.role);
    const problems = [...roleProblems(app), ...roleProblems(platform)];
    if (app.role === platform.role) {
      problems.push(`the app and platform connections both use role ${app.role}`);
    }
    if (problems.length > 0) {
      throw new Error(
        `Refusing to start: the database role cannot be trusted with tenant isolation: ${problems.join('; ')}`,
      );
    }
    this.logger.log(
      `database roles ${app.role} (app) and ${platform.role} (platform) are not privileged and own nothing`,
    );
  }

  async readFacts(dataSource: DataSource = this.dataSource): Promise<RoleFacts> {
    const [role] = await dataSource.query<
      { role: string; superuser: boolean; bypasses_rls: boolean }[]
    >(
      `SELECT rolname AS role, rolsuper AS superuser, rolbypassrls AS bypasses_rls
         FROM pg_roles WHERE rolname = current_user`,
    );
    const memberships = await dataSource.query<{ rolname: string }[]>(
      `SELECT r.rolname FROM pg_roles r
        WHERE r.rolname <> current_user
          AND (r.rolsuper OR r.rolbypassrls)
          AND pg_has_role(current_user, r.oid, 'MEMBER')`,
    );
    const owned = await dataSource.query<{ name: string }[]>(
      `SELECT n.nspname || '.' || c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE pg_has_role(current_user, c.relowner, 'MEMBER')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        ORDER BY 1`,
    );
    return {
      role: role.role,
      superuser: role.superuser,
      bypassesRls: role.bypasses_rls,
      privilegedMemberships: memberships.map((m) => m.rolname),
      ownedRelations: owned.map((o) => o.name),
    };
  }

  /** The platform role's privileges the app role (this.dataSource's current_user) holds too. */
  private async platformPrivilegesOf(platformRole: string): Promise<string[]> {
    const [row] = await this.dataSource.query<{ held: string[] }[]>(
      `SELECT array_remove(ARRAY[
                CASE WHEN pg_has_role(current_user, $1, 'MEMBER') THEN 'membership' END,
                CASE WHEN has_table_privilege('public.tenants', 'UPDATE') THEN 'UPDATE on tenants' END,
                CASE WHEN has_table_privilege('public.platform_admins', 'SELECT, INSERT, UPDATE')
                     THEN 'access to platform_admins' END
              ] || ARRAY(
                SELECT 'EXECUTE on ' || f FROM unnest($2::text[]) f
                 WHERE to_regprocedure(f) IS NOT NULL
                   AND has_function_privilege(to_regprocedure(f), 'EXECUTE')
              ), NULL) AS held`,
      [
        platformRole,
        [
          ...PLATFORM_FUNCTIONS,
          ...INVOICE_PLATFORM_FUNCTIONS,
          ...TENANT_PURGE_FUNCTIONS,
          ...TENANT_MOVE_FUNCTIONS,
          ...RETENTION_PLATFORM_FUNCTIONS,
          ...ERASURE_PLATFORM_FUNCTIONS,
          ...CUSTOM_DOMAIN_PLATFORM_FUNCTIONS,
          ...TENANT_ACTIVITY_PLATFORM_FUNCTIONS,
          ...REDIS_REBUILD_PLATFORM_FUNCTIONS,
        ],
      ],
    );
    return row.held;
  }
}
