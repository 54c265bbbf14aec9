import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { PlatformAuditAdminController } from './platform/platform-audit.admin.controller';
import { PlatformAuditRepository } from './platform/platform-audit.repository';
import { PlatformAuditService } from './platform/platform-audit.service';
import {
  CROSS_TENANT_ATTEMPTS,
  CROSS_TENANT_CHECKS_SUPPRESSED,
  CrossTenantAttemptsService,
} from './cross-tenant/cross-tenant-attempts.service';

/** The append-only audit logs (each tenant's, and the platform's) and cross-tenant attempts. */
@Module({
  controllers: [AuditController, PlatformAuditAdminController],
  providers: [
    AuditService,
    CrossTenantAttemptsService,
    PlatformAuditService,
    AuditRepository,
    PlatformAuditRepository,
    makeCounterProvider({
      name: CROSS_TENANT_ATTEMPTS,
      // No label: which kinds of ids a tenant guesses right is the audit log's to tell, not a
      // series anyone with the scrape token can watch move.
      help: "Requests that named another tenant's resource (answered 404, audited in that tenant)",
    }),
    makeCounterProvider({
      name: CROSS_TENANT_CHECKS_SUPPRESSED,
      help: 'Resource-id 404s past the per-tenant budget of cross-tenant checks, not looked up',
    }),
  ],
  exports: [AuditService, CrossTenantAttemptsService, PlatformAuditService],
})
export class AuditModule {}
