import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  appRole,
  enablePlatformRead,
  enableTenantIsolation,
  PLATFORM_READ_SETTING,
} from './support/isolation';

/**
 * The query cost log: one row per analytics query (tenant, route, store, duration, rows and
 * bytes read, estimated cost). Tenant-owned and append-only for the app role, like audit_log.
 * `platform_query_costs(from, to, limit)` is the operator's per-tenant attribution over a
 * period: a SECURITY DEFINER function hardened like those of 1763900000009 (pg_catalog, pg_temp;
 * qualified names), reading through the owner-only platform_read policy.
 */
export class CreateQueryCosts1763900000011 implements MigrationInterface {
  name = 'CreateQueryCosts1763900000011';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE query_costs (
        id bigint GENERATED ALWAYS AS IDENTITY,
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        at timestamptz NOT NULL DEFAULT now(),
        kind varchar(16) NOT NULL,
        route varchar(64) NOT NULL,
        store varchar(16) NOT NULL CHECK (store IN ('clickhouse', 'postgres')),
        duration_ms numeric(12, 3) NOT NULL CHECK (duration_ms >= 0),
        rows_read bigint NOT NULL CHECK (rows_read >= 0),
        bytes_read bigint NOT NULL CHECK (bytes_read >= 0),
        cost numeric(18, 9) NOT NULL CHECK (cost >= 0),
        PRIMARY KEY (tenant_id, id)
      )`);
    await runner.query('CREATE INDEX query_costs_tenant_at ON query_costs (tenant_id, at DESC)');
    // The operator's attribution reads a period across tenants.
    await runner.query('CREATE INDEX query_costs_at ON query_costs (at)');
    await enableTenantIsolation(runner, 'query_costs');
    await enablePlatformRead(runner, 'query_costs');
    await runner.query(`GRANT SELECT, INSERT ON query_costs TO ${appRole()}`);

    await runner.query(`
      CREATE FUNCTION public.platform_query_costs(
        p_from timestamptz, p_to timestamptz, p_limit integer
      ) RETURNS TABLE (
        tenant_id uuid, slug varchar, name varchar, queries bigint, duration_ms numeric,
        rows_read numeric, bytes_read numeric, cost numeric
      )
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT q.tenant_id, t.slug, t.name, count(*), sum(q.duration_ms), sum(q.rows_read),
                 sum(q.bytes_read), sum(q.cost)
            FROM public.query_costs q
            JOIN public.tenants t ON t.id = q.tenant_id
           WHERE q.at >= p_from AND q.at < p_to
           GROUP BY q.tenant_id, t.slug, t.name
           ORDER BY sum(q.cost) DESC, q.tenant_id
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);
    await runner.query(
      'REVOKE ALL ON FUNCTION public.platform_query_costs(timestamptz, timestamptz, integer) FROM PUBLIC',
    );
    await runner.query(
      `GRANT EXECUTE ON FUNCTION public.platform_query_costs(timestamptz, timestamptz, integer) TO ${appRole()}`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'DROP FUNCTION public.platform_query_costs(timestamptz, timestamptz, integer)',
    );
    await runner.query('DROP TABLE query_costs');
  }
}
