import type { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import type { DatabaseConnection } from './data-source-options';

type Config = ConfigService<Environment, true>;

/**
 * Where the serving pools (app and platform roles) connect: PostgreSQL itself, or PgBouncer in
 * front of it with DATABASE_POOLER=pgbouncer. Migrations and CLIs always connect direct.
 */
export function servingEndpoint(
  config: Config,
): Pick<DatabaseConnection, 'host' | 'port' | 'pooler'> {
  if (config.get('DATABASE_POOLER', { infer: true }) !== 'pgbouncer') {
    return {
      host: config.get('DATABASE_HOST', { infer: true }),
      port: config.get('DATABASE_PORT', { infer: true }),
    };
  }
  return {
    host:
      config.get('DATABASE_POOLER_HOST', { infer: true }) ??
      config.get('DATABASE_HOST', { infer: true }),
    port: config.get('DATABASE_POOLER_PORT', { infer: true }),
    pooler: 'pgbouncer',
  };
}
