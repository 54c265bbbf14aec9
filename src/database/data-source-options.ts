import { QueryCost } from '../analytics/cost/query-cost.entity';
import type { DataSourceOptions } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';
import { AuditEntry } from '../audit/audit-entry.entity';
import { PlatformAuditEntry } from '../audit/platform/platform-audit-entry.entity';
import { ApiKey } from '../auth/api-keys/api-key.entity';
import { RefreshToken } from '../auth/login/refresh-token.entity';
import { PlatformAdmin } from '../auth/platform-admins/platform-admin.entity';
import { PlatformAdminRefreshToken } from '../auth/platform-admins/platform-admin-refresh-token.entity';
import { PasswordSetToken } from '../auth/users/password-set-token.entity';
import { User } from '../auth/users/user.entity';
import { Tenant } from '../tenancy/tenant.entity';
import { TenantSettings } from '../tenancy/settings/tenant-settings.entity';
import { Dashboard } from '../analytics/dashboards/dashboard.entity';
import { TenantBranding } from '../branding/tenant-branding.entity';
import { CustomDomain } from '../branding/domains/custom-domain.entity';
import { Plan } from '../billing/plans/plan.entity';
import { TenantPlanPeriod } from '../billing/plans/tenant-plan-period.entity';
import { Invoice } from '../billing/invoices/invoice.entity';
import { DataExport } from '../exports/data-export.entity';
import { SsoConnection } from '../auth/sso/sso-connection.entity';
import { PlacementRecord } from './placements/placement-record.entity';

/** Every TypeORM entity, listed explicitly so the CLI, the app and tests load the same set. */
export const ALL_ENTITIES = [
  Tenant,
  TenantSettings,
  User,
  RefreshToken,
  ApiKey,
  AuditEntry,
  PlatformAdmin,
  PlatformAdminRefreshToken,
  PasswordSetToken,
  PlatformAuditEntry,
  QueryCost,
  TenantBranding,
  Dashboard,
  Plan,
  TenantPlanPeriod,
  Invoice,
  DataExport,
  SsoConnection,
  CustomDomain,
  PlacementRecord,
];

export interface DatabaseConnection {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** How the sessions show in pg_stat_activity; default `tenantry`. */
  applicationName?: string;
  /**
   * `pgbouncer`: host and port are PgBouncer's (transaction mode), which refuses a
   * statement_timeout startup parameter: none is sent, the role's own setting applies.
   */
  pooler?: 'none' | 'pgbouncer';
}

/**
 * Options shared by the app role (serving requests), the platform role (/admin paths) and the
 * owner role (running migrations).
 */
export function buildDataSourceOptions(connection: DatabaseConnection): DataSourceOptions {
  return {
    type: 'postgres',
    host: connection.host,
    port: connection.port,
    database: connection.database,
    username: connection.username,
    password: connection.password,
    entities: ALL_ENTITIES,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName: connection.applicationName ?? 'tenantry',
    extra: {
      max: connection.poolSize ?? 10,
      ...(connection.pooler === 'pgbouncer'
        ? {}
        : { statement_timeout: connection.statementTimeoutMs ?? 15000 }),
      connectionTimeoutMillis: 10000,
    },
  };
}
