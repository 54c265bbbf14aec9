import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface RoleFacts {
  role: string;
  superuser: boolean;
  bypassesRls: boolean;
  /** Roles the app role can act as (membership) that are superusers or bypass RLS. */
  privilegedMemberships: string[];
  ownedRelations: string[];
}

/** Why the app role must not serve traffic, or an empty list when it is safe. */
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
  return problems;
}

/**
 * Refuses to start when the app's database role could read across tenants: RLS only holds for
 * a role that is neither superuser, BYPASSRLS, nor the owner of the tables.
 */
@Injectable()
export class DatabaseRoleCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(DatabaseRoleCheck.name);

  constructor(private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    const facts = await this.readFacts();
    const problems = roleProblems(facts);
    if (problems.length > 0) {
      throw new Error(
        `Refusing to start: the database role cannot be trusted with tenant isolation: ${problems.join('; ')}`,
      );
    }
    this.logger.log(`database role ${facts.role} is not privileged and owns nothing`);
  }

  async readFacts(): Promise<RoleFacts> {
    const [role] = await this.dataSource.query<
      { role: string; superuser: boolean; bypasses_rls: boolean }[]
    >(
      `SELECT rolname AS role, rolsuper AS superuser, rolbypassrls AS bypasses_rls
         FROM pg_roles WHERE rolname = current_user`,
    );
    const memberships = await this.dataSource.query<{ rolname: string }[]>(
      `SELECT r.rolname FROM pg_roles r
        WHERE r.rolname <> current_user
          AND (r.rolsuper OR r.rolbypassrls)
          AND pg_has_role(current_user, r.oid, 'MEMBER')`,
    );
    const owned = await this.dataSource.query<{ name: string }[]>(
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
}
