import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enablePlatformRead, PLATFORM_READ_SETTING, platformRole } from './support/isolation';

/** The platform role's functions this migration adds (the start-up role check knows them). */
export const TENANT_ACTIVITY_PLATFORM_FUNCTIONS = [
  'public.platform_silent_tenants(timestamp with time zone,integer)',
  'public.platform_accepted_on_day(date,integer)',
];

/**
 * Operators watch tenant activity (issue 16, item 4):
 * - `usage_daily.last_accepted_at`: when the usage meter last added accepted events to the row
 *   (it flushes every 2 s), so "last event at" is known without scanning the event store.
 *   `updated_at` moves for the storage estimate too, so it cannot serve. Back-filled from it.
 * - `platform_silent_tenants(now, limit)`: active tenants that accepted events on each of the 7
 *   UTC days before the last 24 hours began and none since, for the silent-tenant alert.
 * - `platform_accepted_on_day(day, limit)`: every tenant's accepted events of one day, for a
 *   tenant's share of its partition's intake (GET /admin/tenants/:id/health, lag share).
 * Both read through the owner-only platform_read policy, like the other cross-tenant readers.
 */
export class TenantActivity1763900000180 implements MigrationInterface {
  name = 'TenantActivity1763900000180';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE usage_daily ADD COLUMN last_accepted_at timestamptz');
    await runner.query(
      'UPDATE usage_daily SET last_accepted_at = updated_at WHERE events_accepted > 0',
    );
    // Both readers select days across tenants.
    await runner.query('CREATE INDEX usage_daily_day ON usage_daily (day)');
    await enablePlatformRead(runner, 'usage_daily');

    await runner.query(`
      CREATE FUNCTION public.platform_silent_tenants(p_now timestamptz, p_limit integer)
      RETURNS TABLE (tenant_id uuid, slug varchar, name varchar, last_event_at timestamptz)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        silent_since timestamptz := p_now - interval '24 hours';
        first_quiet_day date := (silent_since AT TIME ZONE 'UTC')::date;
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT u.tenant_id, t.slug, t.name, max(u.last_accepted_at)
            FROM public.usage_daily u
            JOIN public.tenants t ON t.id = u.tenant_id
           WHERE t.status = 'active'
             AND u.day >= first_quiet_day - 7
             AND u.events_accepted > 0
           GROUP BY u.tenant_id, t.slug, t.name
          HAVING count(*) FILTER (WHERE u.day < first_quiet_day) = 7
             AND max(u.last_accepted_at) < silent_since
           ORDER BY max(u.last_accepted_at), u.tenant_id
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);

    await runner.query(`
      CREATE FUNCTION public.platform_accepted_on_day(p_day date, p_limit integer)
      RETURNS TABLE (tenant_id uuid, accepted bigint)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT u.tenant_id, u.events_accepted
            FROM public.usage_daily u
           WHERE u.day = p_day AND u.events_accepted > 0
           ORDER BY u.events_accepted DESC, u.tenant_id
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);

    for (const fn of TENANT_ACTIVITY_PLATFORM_FUNCTIONS) {
      await runner.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await runner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${platformRole()}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const fn of TENANT_ACTIVITY_PLATFORM_FUNCTIONS) await runner.query(`DROP FUNCTION ${fn}`);
    await runner.query('DROP POLICY platform_read ON usage_daily');
    await runner.query('DROP INDEX usage_daily_day');
    await runner.query('ALTER TABLE usage_daily DROP COLUMN last_accepted_at');
  }
}
