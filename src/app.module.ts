import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AnalyticsModule } from './analytics/analytics.module';
import { RollupsModule } from './analytics/rollups/rollups.module';
import { CompactionModule } from './analytics/compaction/compaction.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BackupsModule } from './backups/backups.module';
import { BillingModule } from './billing/billing.module';
import { InvoicesModule } from './billing/invoices/invoices.module';
import { PlacementReconcileModule } from './tenancy/placements/placement-reconcile.module';
import { StorageUsageModule } from './billing/storage/storage-usage.module';
import { BrandingModule } from './branding/branding.module';
import { CustomDomainRechecksModule } from './branding/domains/rechecks/custom-domain-rechecks.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation.pipe';
import { ConsolesModule } from './consoles/consoles.module';
import { validateEnvironment } from './config/environment';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { IsolationModule } from './isolation/isolation.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { PrivacyModule } from './privacy/privacy.module';
import { TenantOnboardingModule } from './tenancy/onboarding/tenant-onboarding.module';
import { TenantScopeModule } from './tenancy/scope/tenant-scope.module';
import { CredentialCacheModule } from './tenancy/scope/credential-cache/credential-cache.module';
import { TenantHoldsModule } from './tenancy/scope/tenant-holds.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { TenantLifecycleModule } from './tenancy/lifecycle/tenant-lifecycle.module';
import { ExportsModule } from './exports/exports.module';
import { TenantMovesModule } from './tenancy/moves/tenant-moves.module';

/**
 * The whole platform. `forRoot()` reads and validates the environment when it is called, so a
 * test can start an app with its own variables.
 */
@Module({
  imports: [
    LoggingModule,
    DatabaseModule,
    CredentialCacheModule,
    TenantHoldsModule,
    TenantScopeModule,
    AuthModule,
    TenancyModule,
    TenantOnboardingModule,
    JobsModule,
    HealthModule,
    MetricsModule,
    AuditModule,
    IngestionModule,
    BrandingModule,
    AnalyticsModule,
    BillingModule,
    IsolationModule,
    ConsolesModule,
  ],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class AppModule {
  /** Rejects, naming each bad variable, when the environment does not validate. */
  static async forRoot(): Promise<DynamicModule> {
    const config = await ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      validate: validateEnvironment,
      ignoreEnvFile: process.env.NODE_ENV === 'test',
    });
    // The rollup module's shape (a BullMQ queue or a timer) is chosen before Nest starts, so it
    // reads the same validated environment ConfigService serves (the .env file is loaded by now).
    const environment = validateEnvironment(process.env);
    return {
      module: AppModule,
      imports: [
        config,
        RollupsModule.register(environment.REDIS_URL, environment.DATABASE_NAME),
        CompactionModule.register(environment.REDIS_URL),
        StorageUsageModule.register(environment.REDIS_URL),
        InvoicesModule.register(environment.REDIS_URL),
        TenantLifecycleModule.register(environment.REDIS_URL),
        PrivacyModule.register(environment.REDIS_URL),
        ExportsModule.register(environment.REDIS_URL),
        CustomDomainRechecksModule.register(environment.REDIS_URL),
        BackupsModule.register(environment),
        PlacementReconcileModule.register(environment.REDIS_URL),
        TenantMovesModule.register(environment.REDIS_URL),
      ],
    };
  }
}
