import { CreateTenants1763900000000 } from './1763900000000-create-tenants';
import { CreateTenantSettings1763900000001 } from './1763900000001-create-tenant-settings';
import { CreateUsers1763900000002 } from './1763900000002-create-users';
import { CreateRefreshTokens1763900000003 } from './1763900000003-create-refresh-tokens';
import { CreateApiKeys1763900000004 } from './1763900000004-create-api-keys';
import { CreateAuditLog1763900000005 } from './1763900000005-create-audit-log';
import { CreatePlatformAdmins1763900000006 } from './1763900000006-create-platform-admins';
import { CreatePasswordSetTokens1763900000007 } from './1763900000007-create-password-set-tokens';
import { CreatePlatformAudit1763900000008 } from './1763900000008-create-platform-audit';
import { HardenPlatformAuditFunctions1763900000009 } from './1763900000009-harden-platform-audit-functions';
import { CreateEvents1763900000010 } from './1763900000010-create-events';
import { CreateQueryCosts1763900000011 } from './1763900000011-create-query-costs';
import { CreateEventRollups1763900000012 } from './1763900000012-create-event-rollups';
import { CreateAllTypeRollupSets1763900000013 } from './1763900000013-create-all-type-rollup-sets';
import { CreateTenantBranding1763900000020 } from './1763900000020-create-tenant-branding';
import { CreateDashboards1763900000021 } from './1763900000021-create-dashboards';
import { CrossTenantDashboards1763900000022 } from './1763900000022-cross-tenant-dashboards';
import { PlatformRole1763900000030 } from './1763900000030-platform-role';
import { CreatePlans1763900000040 } from './1763900000040-create-plans';
import { UsageStorage1763900000050 } from './1763900000050-usage-storage';
import { CreateInvoices1763900000060 } from './1763900000060-create-invoices';
import { InvoiceReaders1763900000061 } from './1763900000061-invoice-readers';
import { TenantLifecycle1763900000070 } from './1763900000070-tenant-lifecycle';
import { CreateDataExports1763900000080 } from './1763900000080-create-data-exports';
import { CreateErasureRequests1763900000090 } from './1763900000090-create-erasure-requests';
import { EventRetention1763900000091 } from './1763900000091-event-retention';
import { CreateSsoConnections1763900000100 } from './1763900000100-create-sso-connections';
import { CreateCustomDomains1763900000110 } from './1763900000110-create-custom-domains';
import { CustomDomainRechecks1763900000111 } from './1763900000111-custom-domain-rechecks';
import { CreatePlatformAdminRefreshTokens1763900000120 } from './1763900000120-create-platform-admin-refresh-tokens';
import { PlanAnalyticsLimits1763900000160 } from './1763900000160-plan-analytics-limits';
import { TenantActivity1763900000180 } from './1763900000180-tenant-activity';
import { CreateIngestionReplayMarks1763900000240 } from './1763900000240-create-ingestion-replay-marks';
import { RedisRebuildReaders1763900000260 } from './1763900000260-redis-rebuild-readers';
import { Placements1763900000270 } from './1763900000270-placements';
import { CreateTenantMoves1763900000271 } from './1763900000271-create-tenant-moves';
import { OpenTenantScope1763900000272 } from './1763900000272-open-tenant-scope';
import { CreatePlatformLeases1763900000280 } from './1763900000280-create-platform-leases';
import { CustomDomainsDueOrder1763900000281 } from './1763900000281-custom-domains-due-order';
import { EventHashesAndPromotedProperties1763900000282 } from './1763900000282-event-hashes-and-promoted-properties';
import { MoveStoredColumns1763900000283 } from './1763900000283-move-stored-columns';

/** Every migration in order. Listed explicitly so the CLI, the app and Jest load the same set. */
export const ALL_MIGRATIONS = [
  CreateTenants1763900000000,
  CreateTenantSettings1763900000001,
  CreateUsers1763900000002,
  CreateRefreshTokens1763900000003,
  CreateApiKeys1763900000004,
  CreateAuditLog1763900000005,
  CreatePlatformAdmins1763900000006,
  CreatePasswordSetTokens1763900000007,
  CreatePlatformAudit1763900000008,
  HardenPlatformAuditFunctions1763900000009,
  CreateEvents1763900000010,
  CreateQueryCosts1763900000011,
  CreateEventRollups1763900000012,
  CreateAllTypeRollupSets1763900000013,
  CreateTenantBranding1763900000020,
  CreateDashboards1763900000021,
  CrossTenantDashboards1763900000022,
  PlatformRole1763900000030,
  CreatePlans1763900000040,
  UsageStorage1763900000050,
  CreateInvoices1763900000060,
  InvoiceReaders1763900000061,
  TenantLifecycle1763900000070,
  CreateDataExports1763900000080,
  CreateErasureRequests1763900000090,
  EventRetention1763900000091,
  CreateSsoConnections1763900000100,
  CreateCustomDomains1763900000110,
  CustomDomainRechecks1763900000111,
  CreatePlatformAdminRefreshTokens1763900000120,
  PlanAnalyticsLimits1763900000160,
  TenantActivity1763900000180,
  CreateIngestionReplayMarks1763900000240,
  RedisRebuildReaders1763900000260,
  Placements1763900000270,
  CreateTenantMoves1763900000271,
  OpenTenantScope1763900000272,
  CreatePlatformLeases1763900000280,
  CustomDomainsDueOrder1763900000281,
  EventHashesAndPromotedProperties1763900000282,
  MoveStoredColumns1763900000283,
];
