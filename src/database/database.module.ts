import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Environment } from '../config/environment';
import { buildDataSourceOptions } from './data-source-options';
import { DatabaseRoleCheck } from './database-role.check';
import { TenantContext } from './tenant-context';

/** The app role's connection pool, the tenant transaction, and the start-up role check. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        buildDataSourceOptions({
          host: config.get('DATABASE_HOST', { infer: true }),
          port: config.get('DATABASE_PORT', { infer: true }),
          database: config.get('DATABASE_NAME', { infer: true }),
          username: config.get('DATABASE_APP_USER', { infer: true }),
          password: config.get('DATABASE_APP_PASSWORD', { infer: true }),
          poolSize: config.get('DATABASE_POOL_SIZE', { infer: true }),
          statementTimeoutMs: config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }),
        }),
    }),
  ],
  providers: [TenantContext, DatabaseRoleCheck],
  exports: [TenantContext],
})
export class DatabaseModule {}
