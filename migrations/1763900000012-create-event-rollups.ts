import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  appRole,
  enablePlatformRead,
  enableTenantIsolation,
  PLATFORM_READ_SETTING,
} from './support/isolation';

/**
 * Daily rollups of the PostgreSQL event store (UTC days), read by analytics for the whole days
 * of a long range. All tenant-owned, RLS forced.
 *
 * - `event_rollups_daily`: events per (tenant, day, event_type).
 * - `event_rollup_daily_users` / `_sessions`: the distinct users and sessions of each
 *   (tenant, day, event_type): exact sets, so unique counts over any set of days are exact.
 * - `event_rollup_days`: one row per (tenant, day) that has ever had events. `version` grows
 *   with every write to that day (a statement trigger on events, whatever the write path);
 *   `rolled_version` is the version the rollup was computed at. A day is read from the rollup
 *   only while the two are equal; otherwise from the raw events. A day with no row never had
 *   events.
 * - `platform_stale_rollup_days(before, limit)`: the refresh job's cross-tenant work list,
 *   a hardened SECURITY DEFINER function like those of 1763900000009.
 */
export class CreateEventRollups1763900000012 implements MigrationInterface {
  name = 'CreateEventRollups1763900000012';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE event_rollup_days (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        day date NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        rolled_version bigint,
        rolled_at timestamptz,
        PRIMARY KEY (tenant_id, day)
      )`);
    await runner.query(
      'CREATE INDEX event_rollup_days_stale ON event_rollup_days (day) WHERE rolled_version IS DISTINCT FROM version',
    );
    await runner.query(`
      CREATE TABLE event_rollups_daily (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        day date NOT NULL,
        event_type varchar(128) NOT NULL,
        events bigint NOT NULL,
        PRIMARY KEY (tenant_id, day, event_type)
      )`);
    for (const [table, column] of [
      ['event_rollup_daily_users', 'user_id'],
      ['event_rollup_daily_sessions', 'session_id'],
    ]) {
      await runner.query(`
        CREATE TABLE ${table} (
          tenant_id uuid NOT NULL REFERENCES tenants (id),
          day date NOT NULL,
          event_type varchar(128) NOT NULL,
          ${column} text NOT NULL,
          PRIMARY KEY (tenant_id, day, event_type, ${column})
        )`);
    }
    for (const table of [
      'event_rollup_days',
      'event_rollups_daily',
      'event_rollup_daily_users',
      'event_rollup_daily_sessions',
    ]) {
      await enableTenantIsolation(runner, table);
      await runner.query(`GRANT SELECT, INSERT, DELETE ON ${table} TO ${appRole()}`);
    }
    await runner.query(`GRANT UPDATE ON event_rollup_days TO ${appRole()}`);
    await enablePlatformRead(runner, 'event_rollup_days');

    // Every write to events marks its days, in the writer's transaction and under its RLS.
    await runner.query(`
      CREATE FUNCTION public.mark_event_rollup_days() RETURNS trigger
      LANGUAGE plpgsql
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        INSERT INTO public.event_rollup_days (tenant_id, day)
        SELECT DISTINCT c.tenant_id, (c."timestamp" AT TIME ZONE 'UTC')::date FROM changed c
        ON CONFLICT (tenant_id, day)
          DO UPDATE SET version = public.event_rollup_days.version + 1;
        RETURN NULL;
      END
      $fn$`);
    for (const [operation, transition] of [
      ['INSERT', 'NEW'],
      ['DELETE', 'OLD'],
    ]) {
      await runner.query(`
        CREATE TRIGGER events_mark_rollup_days_${operation.toLowerCase()}
          AFTER ${operation} ON events REFERENCING ${transition} TABLE AS changed
          FOR EACH STATEMENT EXECUTE FUNCTION public.mark_event_rollup_days()`);
    }
    // Days that already hold events start stale, so the first refresh rolls them up.
    await runner.query(`
      INSERT INTO event_rollup_days (tenant_id, day)
      SELECT DISTINCT tenant_id, ("timestamp" AT TIME ZONE 'UTC')::date FROM events`);

    await runner.query(`
      CREATE FUNCTION public.platform_stale_rollup_days(p_before date, p_limit integer)
      RETURNS TABLE (tenant_id uuid, day date)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT d.tenant_id, d.day FROM public.event_rollup_days d
           WHERE (d.rolled_version IS NULL OR d.rolled_version <> d.version) AND d.day < p_before
           ORDER BY d.day, d.tenant_id
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);
    await runner.query(
      'REVOKE ALL ON FUNCTION public.platform_stale_rollup_days(date, integer) FROM PUBLIC',
    );
    await runner.query(
      `GRANT EXECUTE ON FUNCTION public.platform_stale_rollup_days(date, integer) TO ${appRole()}`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION public.platform_stale_rollup_days(date, integer)');
    await runner.query('DROP TRIGGER events_mark_rollup_days_insert ON events');
    await runner.query('DROP TRIGGER events_mark_rollup_days_delete ON events');
    await runner.query('DROP FUNCTION public.mark_event_rollup_days()');
    for (const table of [
      'event_rollup_daily_sessions',
      'event_rollup_daily_users',
      'event_rollups_daily',
      'event_rollup_days',
    ]) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
