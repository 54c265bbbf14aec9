import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Environment } from '../config/environment';
import { buildDataSourceOptions } from './data-source-options';
import { servingEndpoint } from './serving-endpoint';
import { DatabaseRoleCheck } from './database-role.check';
import { PlatformLeaseRepository } from './leases/platform-lease.repository';
import { PlatformLeasesService } from './leases/platform-leases.service';
import { PoolerTimeoutCheck } from './pooler-timeout.check';
import { PLATFORM_CONNECTION, PlatformDatabase } from './platform.database';
import { TenantContext } from '../tenancy/scope/tenant.context';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { PlacementDirectory, PlacementPools } from './placements/placement';
import { PlacementCacheDirectory } from './placements/placement-cache.directory';
import {
  PLACEMENT_POOL_OPENS,
  PLACEMENT_POOLS_OPEN,
  PlacementPoolsRegistry,
} from './placements/placement-pools.registry';
import { PlacementsRepository } from './placements/placements.repository';
import { PlacementMirrorRepository } from '../tenancy/placements/placement-mirror.repository';
import { PlacementMirrorService } from '../tenancy/placements/placement-mirror.service';

type Config = ConfigService<Environment, true>;

/**
 * The app role's connection pool (tenant traffic), the platform role's (the /admin paths), the
 * tenant transaction (TenantContext, whose home is the tenant pipeline in tenancy/scope), and the
 * start-up role check of both, and the platform leases. Global: every repository needs a connection or TenantContext.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: Config) =>
        buildDataSourceOptions({
          ...servingEndpoint(config),
          database: config.get('DATABASE_NAME', { infer: true }),
          username: config.get('DATABASE_APP_USER', { infer: true }),
          password: config.get('DATABASE_APP_PASSWORD', { infer: true }),
          poolSize: config.get('DATABASE_POOL_SIZE', { infer: true }),
          statementTimeoutMs: config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }),
        }),
    }),
    TypeOrmModule.forRootAsync({
      name: PLATFORM_CONNECTION,
      inject: [ConfigService],
      useFactory: (config: Config) => ({
        ...buildDataSourceOptions({
          ...servingEndpoint(config),
          database: config.get('DATABASE_NAME', { infer: true }),
          username: config.get('DATABASE_PLATFORM_USER', { infer: true }),
          password: config.get('DATABASE_PLATFORM_PASSWORD', { infer: true }),
          poolSize: config.get('DATABASE_PLATFORM_POOL_SIZE', { infer: true }),
          statementTimeoutMs: config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }),
          applicationName: 'tenantry-platform',
        }),
        name: PLATFORM_CONNECTION,
      }),
    }),
  ],
  providers: [
    TenantContext,
    PlatformDatabase,
    DatabaseRoleCheck,
    PoolerTimeoutCheck,
    PlatformLeaseRepository,
    PlatformLeasesService,
    // Placements (issue 18): where each tenant's rows live, and the pools of their databases.
    PlacementsRepository,
    PlacementCacheDirectory,
    { provide: PlacementDirectory, useExisting: PlacementCacheDirectory },
    PlacementPoolsRegistry,
    { provide: PlacementPools, useExisting: PlacementPoolsRegistry },
    // The copies of control rows in placement databases, kept by every tenant change.
    PlacementMirrorRepository,
    PlacementMirrorService,
    makeGaugeProvider({
      name: PLACEMENT_POOLS_OPEN,
      help: 'Placement databases (other than the control database) whose pools are open',
    }),
    makeCounterProvider({
      name: PLACEMENT_POOL_OPENS,
      help: 'Opens of a placement database pool, by placement and outcome (opened, failed)',
      labelNames: ['placement', 'outcome'],
    }),
  ],
  exports: [
    TenantContext,
    PlatformDatabase,
    PlatformLeasesService,
    PlacementDirectory,
    PlacementPools,
    PlacementCacheDirectory,
    PlacementPoolsRegistry,
    PlacementsRepository,
    PlacementMirrorRepository,
    PlacementMirrorService,
  ],
})
export class DatabaseModule {}
