import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_READ_SETTING, platformRole } from './support/isolation';

/** The platform role's functions this migration adds (the start-up role check knows them). */
export const CUSTOM_DOMAIN_PLATFORM_FUNCTIONS = [
  'public.platform_custom_domains_due(timestamp with time zone,integer)',
];

/**
 * `platform_custom_domains_due(checked_before, limit)`: every tenant's verified custom domains
 * last checked before the given time, oldest check first, for the scheduled re-check (a name
 * whose TXT record is gone, say after the domain changed hands, stops serving its old tenant).
 * Ids only; the platform role's alone, like the other cross-tenant readers.
 */
export class CustomDomainRechecks1763900000111 implements MigrationInterface {
  name = 'CustomDomainRechecks1763900000111';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE FUNCTION public.platform_custom_domains_due(p_checked_before timestamptz, p_limit integer)
      RETURNS TABLE (tenant_id uuid, id uuid)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT d.tenant_id, d.id
            FROM public.custom_domains d
           WHERE d.status = 'verified'
             AND (d.last_checked_at IS NULL OR d.last_checked_at < p_checked_before)
           ORDER BY d.last_checked_at NULLS FIRST, d.id
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);
    await runner.query(
      'REVOKE ALL ON FUNCTION public.platform_custom_domains_due(timestamptz, integer) FROM PUBLIC',
    );
    await runner.query(
      `GRANT EXECUTE ON FUNCTION public.platform_custom_domains_due(timestamptz, integer) TO ${platformRole()}`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION public.platform_custom_domains_due(timestamptz, integer)');
  }
}
