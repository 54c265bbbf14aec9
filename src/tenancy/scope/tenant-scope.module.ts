import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from '../../audit/audit.module';
import { AuthModule } from '../../auth/auth.module';
import { PlansModule } from '../../billing/plans/plans.module';
import { RateLimitsModule } from '../../billing/rate-limits/rate-limits.module';
import { TenancyModule } from '../tenancy.module';
import { DeclaredAccessGuard } from './declared-access.guard';
import { PlatformAdminGuard } from './platform-admin.guard';
import { TenantAuthGuard } from './tenant-auth.guard';
import { TenantTransactionInterceptor } from './tenant-transaction.interceptor';
import { TenantResolver } from './tenant.resolver';

/**
 * The tenant pipeline every request goes through (see README.md here): one global guard that
 * runs the check each route declares, and one global interceptor that wraps tenant routes in
 * their tenant's transaction. Global enhancers, so the modules whose controllers they guard need
 * not import this one: the dependencies point from here to auth, tenancy and audit, never back.
 * (TenantContext itself is provided by DatabaseModule: every repository needs it.)
 */
@Module({
  imports: [AuthModule, TenancyModule, AuditModule, PlansModule, RateLimitsModule],
  providers: [
    TenantResolver,
    PlatformAdminGuard,
    TenantAuthGuard,
    { provide: APP_GUARD, useClass: DeclaredAccessGuard },
    { provide: APP_INTERCEPTOR, useClass: TenantTransactionInterceptor },
  ],
  exports: [TenantAuthGuard],
})
export class TenantScopeModule {}
