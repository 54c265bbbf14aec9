import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, CURRENT_TENANT, enableTenantIsolation } from './support/isolation';

/**
 * The embedded event store (used when no ClickHouse is configured) and daily usage metering.
 *
 * - `events`: partitioned by month on the event timestamp; tenant-owned, RLS forced on the parent
 *   and on every partition. Unique on (tenant_id, event_id, timestamp): PostgreSQL requires a
 *   partitioned table's keys to hold the partition column, so an event re-sent with the same id
 *   and timestamp is stored once (inserts use ON CONFLICT DO NOTHING). The app role may SELECT
 *   and INSERT through the parent only.
 * - `ensure_event_partitions(from, to)`: the app role owns nothing and cannot create tables;
 *   this SECURITY DEFINER function creates the missing monthly partitions, each with the same
 *   forced RLS policy as every tenant table.
 * - `usage_daily`: accepted / stored / rejected / dead-lettered counts per tenant per day, for
 *   billing; written in batches by the ingestion pipeline.
 */
export class CreateEvents1763900000010 implements MigrationInterface {
  name = 'CreateEvents1763900000010';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE events (
        tenant_id uuid NOT NULL,
        event_id uuid NOT NULL,
        "timestamp" timestamptz NOT NULL,
        event_type varchar(128) NOT NULL,
        user_id varchar(256) NOT NULL DEFAULT '',
        session_id varchar(256) NOT NULL DEFAULT '',
        properties jsonb NOT NULL DEFAULT '{}'::jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, event_id, "timestamp")
      ) PARTITION BY RANGE ("timestamp")`);
    await runner.query('CREATE INDEX events_tenant_time_idx ON events (tenant_id, "timestamp")');
    await enableTenantIsolation(runner, 'events');
    await runner.query(`GRANT SELECT, INSERT ON events TO ${appRole()}`);

    await runner.query(`
      CREATE FUNCTION public.ensure_event_partitions(p_from date, p_to date) RETURNS integer
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        month date := date_trunc('month', p_from)::date;
        created integer := 0;
        name text;
      BEGIN
        IF p_to - p_from > 3660 THEN
          RAISE EXCEPTION 'ensure_event_partitions: at most ten years at a time';
        END IF;
        -- One caller at a time: two app copies starting together must not race on CREATE.
        PERFORM pg_advisory_xact_lock(hashtext('public.ensure_event_partitions'));
        WHILE month <= p_to LOOP
          name := format('events_%s', to_char(month, 'YYYY_MM'));
          IF to_regclass(format('public.%I', name)) IS NULL THEN
            EXECUTE format(
              'CREATE TABLE public.%I PARTITION OF public.events FOR VALUES FROM (%L) TO (%L)',
              name, month, (month + interval '1 month')::date);
            EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', name);
            EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', name);
            EXECUTE format(
              'CREATE POLICY tenant_isolation ON public.%I USING (tenant_id = ${CURRENT_TENANT.replace(/'/g, "''")}) WITH CHECK (tenant_id = ${CURRENT_TENANT.replace(/'/g, "''")})',
              name);
            created := created + 1;
          END IF;
          month := (month + interval '1 month')::date;
        END LOOP;
        RETURN created;
      END
      $fn$`);
    await runner.query(
      'REVOKE ALL ON FUNCTION public.ensure_event_partitions(date, date) FROM PUBLIC',
    );
    await runner.query(
      `GRANT EXECUTE ON FUNCTION public.ensure_event_partitions(date, date) TO ${appRole()}`,
    );

    await runner.query(`
      CREATE TABLE usage_daily (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        day date NOT NULL,
        events_accepted bigint NOT NULL DEFAULT 0,
        events_stored bigint NOT NULL DEFAULT 0,
        events_rejected bigint NOT NULL DEFAULT 0,
        events_dead_lettered bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, day)
      )`);
    await enableTenantIsolation(runner, 'usage_daily');
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON usage_daily TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE usage_daily');
    await runner.query('DROP FUNCTION public.ensure_event_partitions(date, date)');
    await runner.query('DROP TABLE events');
  }
}
