import type { MigrationInterface, QueryRunner } from 'typeorm';
import { platformRole } from './support/isolation';

/** The platform role's functions this migration adds (the start-up role check knows them). */
export const RETENTION_PLATFORM_FUNCTIONS = ['public.drop_expired_event_partitions()'];

/**
 * Retention enforcement (issue 14, item 6).
 *
 * - `drop_expired_event_partitions()`: drops the monthly partitions of `events` that every
 *   tenant's retention has passed. The app role owns nothing and may not drop tables, so the
 *   owner does it in this SECURITY DEFINER function, narrowly: it takes no argument, computes
 *   the cut-off itself from every tenant's plan (a contract override first), so no caller can
 *   make it drop a month any tenant may still read. Empty partitions are kept (the partition
 *   keeper recreates that window anyway). Returns each dropped partition with its row count.
 *   Hardened like 1763900000009: search_path pg_catalog, pg_temp, every name qualified.
 *
 * The retention job writes to the platform audit log as the `system` actor, which migration
 * 1763900000070 (tenant lifecycle) added.
 */
export class EventRetention1763900000091 implements MigrationInterface {
  name = 'EventRetention1763900000091';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE FUNCTION public.drop_expired_event_partitions()
      RETURNS TABLE (partition_name text, rows_removed bigint)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        longest integer;
        cutoff date;
        part record;
        month date;
        n bigint;
      BEGIN
        -- Every tenant counts, whatever its status: a deleted tenant's events wait for its purge.
        SELECT max(coalesce((t.plan_overrides ->> 'data_retention_days')::integer,
                            p.data_retention_days))
          INTO longest
          FROM public.tenants t JOIN public.plans p ON p.id = t.plan_id;
        IF longest IS NULL THEN
          RETURN;
        END IF;
        cutoff := (now() AT TIME ZONE 'UTC')::date - longest;
        -- One caller at a time, and never beside the partition keeper.
        PERFORM pg_advisory_xact_lock(hashtext('public.ensure_event_partitions'));
        FOR part IN
          SELECT c.relname::text AS name
            FROM pg_catalog.pg_inherits i
            JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
            JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
           WHERE i.inhparent = 'public.events'::regclass
             AND ns.nspname = 'public'
             AND c.relname ~ '^events_[0-9]{4}_[0-9]{2}$'
           ORDER BY c.relname
        LOOP
          month := to_date(substr(part.name, 8), 'YYYY_MM');
          CONTINUE WHEN (month + interval '1 month')::date > cutoff;
          -- RLS is forced on the owner too: lift it on this partition to count what goes.
          EXECUTE format('ALTER TABLE public.%I NO FORCE ROW LEVEL SECURITY', part.name);
          EXECUTE format('SELECT count(*) FROM public.%I', part.name) INTO n;
          IF n = 0 THEN
            EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', part.name);
            CONTINUE;
          END IF;
          EXECUTE format('DROP TABLE public.%I', part.name);
          partition_name := part.name;
          rows_removed := n;
          RETURN NEXT;
        END LOOP;
      END
      $fn$`);
    await runner.query('REVOKE ALL ON FUNCTION public.drop_expired_event_partitions() FROM PUBLIC');
    await runner.query(
      `GRANT EXECUTE ON FUNCTION public.drop_expired_event_partitions() TO ${platformRole()}`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION public.drop_expired_event_partitions()');
  }
}
