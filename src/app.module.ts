import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { DeclaredAccessGuard } from './auth/declared-access.guard';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation.pipe';
import { validateEnvironment } from './config/environment';
import { DatabaseModule } from './database/database.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { BillingModule } from './billing/billing.module';
import { RollupsModule } from './analytics/rollups/rollups.module';
import { BrandingModule } from './branding/branding.module';
import { HealthModule } from './health/health.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { IsolationModule } from './isolation/isolation.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { TenancyModule } from './tenancy/tenancy.module';

/**
 * The whole platform. `forRoot()` reads and validates the environment when it is called, so a
 * test can start an app with its own variables.
 */
@Module({
  imports: [
    LoggingModule,
    DatabaseModule,
    AuthModule,
    TenancyModule,
    HealthModule,
    MetricsModule,
    AuditModule,
    IngestionModule,
    BrandingModule,
    AnalyticsModule,
    BillingModule,
    IsolationModule,
  ],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_GUARD, useClass: DeclaredAccessGuard },
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
    const redisUrl = process.env.REDIS_URL?.trim() || undefined;
    return {
      module: AppModule,
      imports: [config, RollupsModule.register(redisUrl, process.env.DATABASE_NAME ?? 'tenantry')],
    };
  }
}
