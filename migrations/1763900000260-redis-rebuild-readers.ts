import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_READ_SETTING, platformRole } from './support/isolation';

/** The platform role's functions this migration adds (the start-up role check knows them). */
export const REDIS_REBUILD_PLATFORM_FUNCTIONS = [
  'public.platform_queued_exports(integer)',
  'public.platform_quota_warnings(text,integer)',
];

/**
 * What the app rebuilds in Redis after Redis comes back empty (issue 17, item 4), read across
 * tenants by the platform role, like platform_unfinished_erasures (1763900000090):
 * - `platform_queued_exports(limit)`: every tenant's exports still queued (their BullMQ jobs
 *   went with Redis), the oldest first, to dispatch again. Ids and times only.
 * - `platform_quota_warnings(month, limit)`: the quota thresholds each tenant was already warned
 *   about in a month ('YYYY-MM'), from the `usage.quota_warning` entries of its audit log, so
 *   the once-a-month markers are set again and no warning is sent twice.
 * Both read through the owner-only platform_read policies data_exports and audit_log have.
 */
export class RedisRebuildReaders1763900000260 implements MigrationInterface {
  name = 'RedisRebuildReaders1763900000260';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE FUNCTION public.platform_queued_exports(p_limit integer)
      RETURNS TABLE (tenant_id uuid, id uuid, created_at timestamptz)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT e.tenant_id, e.id, e.created_at
            FROM public.data_exports e
           WHERE e.status = 'queued'
           ORDER BY e.created_at, e.id
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);

    // The entries of the month were written in it (a reservation is dated now), so only the
    // warnings from its first instant on are read, through a small index of warnings alone (a
    // start-up reads them too, and a month of every tenant's audit log is large).
    await runner.query(
      `CREATE INDEX audit_log_quota_warnings_at ON audit_log (at)
        WHERE action = 'usage.quota_warning'`,
    );
    await runner.query(`
      CREATE FUNCTION public.platform_quota_warnings(p_month text, p_limit integer)
      RETURNS TABLE (tenant_id uuid, threshold integer)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        IF p_month IS NULL OR p_month !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
          RAISE EXCEPTION 'month must be YYYY-MM' USING ERRCODE = '22023';
        END IF;
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT DISTINCT a.tenant_id, (a.details->>'threshold')::integer
            FROM public.audit_log a
           WHERE a.action = 'usage.quota_warning'
             AND a.at >= (p_month || '-01')::date::timestamp AT TIME ZONE 'UTC'
             AND a.details->>'month' = p_month
             AND a.details->>'threshold' ~ '^[0-9]{1,3}$'
           ORDER BY 1, 2
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);

    for (const fn of REDIS_REBUILD_PLATFORM_FUNCTIONS) {
      await runner.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await runner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${platformRole()}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const fn of REDIS_REBUILD_PLATFORM_FUNCTIONS) await runner.query(`DROP FUNCTION ${fn}`);
    await runner.query('DROP INDEX audit_log_quota_warnings_at');
  }
}
