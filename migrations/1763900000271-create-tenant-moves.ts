import type { MigrationInterface, QueryRunner } from 'typeorm';
import { platformRole } from './support/isolation';

/**
 * Issue 18, online tenant move.
 *
 * - `tenant_moves`: one row per move of a tenant between placements, platform-owned (no RLS).
 *   The tenant column is `moved_tenant_id`, not `tenant_id`: a `tenant_id` column marks a tenant
 *   table for the RLS catalogue, the purge and the move's own copy, and this row is none of those.
 *   At most one open move per tenant (the partial unique index). In a placement database that
 *   is not the control database a row is only a marker the mover writes so that
 *   purge_moved_tenant_rows may clear that database (see purge_database).
 * - `purge_moved_tenant_rows(tenant, table)`: deletes one table's rows of a tenant that has just
 *   left this database (state flipped/purging) or whose copy here is being rolled back
 *   (rolling_back), and only when the move row names THIS database as the one to clear. The
 *   existing purge_tenant_rows needs status = 'purging', which a live tenant must never have.
 *   Same table guard as purge_tenant_rows (1763900000070). EXECUTE to the platform role alone.
 */
export const TENANT_MOVE_FUNCTIONS = ['public.purge_moved_tenant_rows(uuid, text)'];

export class CreateTenantMoves1763900000271 implements MigrationInterface {
  name = 'CreateTenantMoves1763900000271';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tenant_moves (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        moved_tenant_id uuid NOT NULL,
        from_placement uuid NOT NULL,
        to_placement uuid NOT NULL,
        state varchar(16) NOT NULL DEFAULT 'queued',
        snapshot jsonb NOT NULL DEFAULT '{}'::jsonb,
        checks jsonb NOT NULL DEFAULT '{}'::jsonb,
        attempts integer NOT NULL DEFAULT 0,
        hold_started_at timestamptz,
        hold_ms integer,
        error text,
        purge_database text,
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CONSTRAINT tenant_moves_state_known CHECK (state IN ('queued', 'copying', 'catching_up',
          'holding', 'verifying', 'flipped', 'purging', 'done', 'failed', 'rolling_back',
          'rolled_back')),
        CONSTRAINT tenant_moves_elsewhere CHECK (from_placement <> to_placement)
      )`);
    await runner.query(`
      CREATE UNIQUE INDEX tenant_moves_one_open ON tenant_moves (moved_tenant_id)
       WHERE state NOT IN ('done', 'failed', 'rolled_back')`);
    await runner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_moves TO ${platformRole()}`,
    );

    await runner.query(`
      CREATE FUNCTION public.purge_moved_tenant_rows(p_tenant uuid, p_table text) RETURNS bigint
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        previous text := current_setting('app.tenant_id', true);
        removed bigint;
      BEGIN
        IF NOT EXISTS (
          SELECT 1 FROM public.tenant_moves m
           WHERE m.moved_tenant_id = p_tenant
             AND m.state IN ('flipped', 'purging', 'rolling_back')
             AND m.purge_database = current_database()
        ) THEN
          RAISE EXCEPTION 'purge_moved_tenant_rows: tenant % has no move clearing this database', p_tenant
            USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF NOT EXISTS (
          SELECT 1
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
           WHERE c.relname = p_table AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ) THEN
          RAISE EXCEPTION 'purge_moved_tenant_rows: % is not a tenant table', p_table
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- FORCE RLS binds the owner too: act as the tenant for this statement only.
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        EXECUTE format('DELETE FROM public.%I WHERE tenant_id = $1', p_table) USING p_tenant;
        GET DIAGNOSTICS removed = ROW_COUNT;
        PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
        RETURN removed;
      END
      $fn$`);
    for (const fn of TENANT_MOVE_FUNCTIONS) {
      await runner.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await runner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${platformRole()}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION public.purge_moved_tenant_rows(uuid, text)');
    await runner.query('DROP TABLE tenant_moves');
  }
}
