import type { MigrationInterface, QueryRunner } from 'typeorm';
import { platformRole } from './support/isolation';

/**
 * Issue 18, online tenant move.
 *
 * - `tenant_moves`: one row per move of a tenant between placements, platform-owned (no RLS).
 *   The tenant column is `moved_tenant_id`, not `tenant_id`: a `tenant_id` column marks a tenant
 *   table for the RLS catalogue, the purge and the move's own copy, and this row is none of those.
 *   At most one open move per tenant (the partial unique index). In a placement database that
 *   is not the control database the row is a marker the mover writes (same id), so the functions
 *   below, which only look in their own database, know what the move allows there.
 *   source_database/target_database are the two databases' names (current_database()); the
 *   mover refuses a move between two databases of the same name.
 * - The platform role has no table rights on most tenant tables, so the move works through four
 *   SECURITY DEFINER functions, each for ONE tenant and ONE tenant table (same table guard as
 *   purge_tenant_rows, 1763900000070), each only while this database's move row allows it:
 *   - `move_tenant_rows_cursor(tenant, table, cursor, horizon)`: opens a cursor over the tenant's
 *     rows as JSON, in primary-key order; with a horizon (a transaction id), only the row
 *     versions written since it (age(xmin) <= age(horizon)). Source or target of an open move.
 *   - `move_tenant_rows_in(tenant, table, rows, upsert)`: inserts rows (jsonb array) into the
 *     target; upsert replaces rows of the same primary key, else duplicates are skipped. Also
 *     takes the tenant's own `tenants` row, the copy the target's foreign keys point to.
 *   - `tenant_rows_checksum(tenant, table)`: count and sum(hashtextextended(row::text, 0)) in
 *     UTC/ISO form, the same on both databases (same migrations, same column order).
 *   - `purge_moved_tenant_rows(tenant, table)`: deletes the tenant's rows from the source after the
 *     flip (flipped, purging), or from the target before it (copying … verifying, rolling_back),
 *     where nothing of the tenant is live yet; last, the tenant's `tenants` copy in a placement
 *     database (never control's row). The existing purge_tenant_rows needs
 *     status = 'purging', which a live tenant must never have.
 *   EXECUTE to the platform role alone.
 */
export const TENANT_MOVE_FUNCTIONS = [
  'public.purge_moved_tenant_rows(uuid, text)',
  'public.move_tenant_rows_cursor(uuid, text, text, bigint)',
  'public.move_tenant_rows_in(uuid, text, jsonb, boolean)',
  'public.tenant_rows_checksum(uuid, text)',
];

/** The guard every move function starts with: p_table is a tenant table of the public schema. */
export const TABLE_GUARD = (fn: string) => `
        IF NOT EXISTS (
          SELECT 1
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
           WHERE c.relname = p_table AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ) THEN
          RAISE EXCEPTION '${fn}: % is not a tenant table', p_table
            USING ERRCODE = 'invalid_parameter_value';
        END IF;`;

/** The move row of this database that allows `fn` for p_tenant: `where` on m. */
export const MOVE_GUARD = (fn: string, where: string) => `
        IF NOT EXISTS (SELECT 1 FROM public.tenant_moves m WHERE m.moved_tenant_id = p_tenant AND (${where})) THEN
          RAISE EXCEPTION '${fn}: no move of tenant % allows this here', p_tenant
            USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;`;

export const OPEN_STATES = "'copying', 'catching_up', 'holding', 'verifying'";
const AS_SOURCE = `m.source_database = current_database() AND m.state IN (${OPEN_STATES}, 'flipped', 'purging')`;
const AS_TARGET = `m.target_database = current_database() AND m.state IN (${OPEN_STATES}, 'flipped', 'purging', 'rolling_back')`;

/**
 * p_table's live columns, stored ones (a value of their own) or generated ones (computed from
 * the others, taking no value): the FROM and WHERE of a select over them as `a`.
 */
const COLUMNS_OF_TABLE = (kind: 'stored' | 'generated') => `
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = format('public.%I', p_table)::regclass AND a.attnum > 0
           AND NOT a.attisdropped AND a.attgenerated ${kind === 'stored' ? "= ''" : "<> ''"}`;

/**
 * `move_tenant_rows_in` as 271 made it, or (`storedOnly`, migration 282) naming only the columns
 * that take a value: a generated column refuses one, even NULL.
 */
export function moveTenantRowsInSql(replace: boolean, storedOnly: boolean): string {
  return `
      CREATE ${replace ? 'OR REPLACE ' : ''}FUNCTION public.move_tenant_rows_in(p_tenant uuid, p_table text, p_rows jsonb, p_upsert boolean)
      RETURNS bigint
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        previous text := current_setting('app.tenant_id', true);
        pk text;
        assignments text;${
          storedOnly
            ? `
        columns text;`
            : ''
        }
        conflict text := 'DO NOTHING';
        written bigint;
      BEGIN
${MOVE_GUARD('move_tenant_rows_in', `m.target_database = current_database() AND m.state IN (${OPEN_STATES})`)}
        -- The tenant's own tenants row (its copy, for the foreign keys there) or a tenant table.
        IF p_table = 'tenants' THEN
          IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(p_rows) r
                      WHERE (r ->> 'id') IS NULL OR (r ->> 'id')::uuid <> p_tenant) THEN
            RAISE EXCEPTION 'move_tenant_rows_in: a tenants row of another tenant'
              USING ERRCODE = 'invalid_parameter_value';
          END IF;
        ELSE
${TABLE_GUARD('move_tenant_rows_in')}
        END IF;
        IF p_upsert THEN
          SELECT string_agg(format('%I', a.attname), ', ') INTO pk
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
           WHERE i.indrelid = format('public.%I', p_table)::regclass AND i.indisprimary;
          SELECT string_agg(format('%I = EXCLUDED.%I', a.attname, a.attname), ', ') INTO assignments
            FROM pg_catalog.pg_attribute a
           WHERE a.attrelid = format('public.%I', p_table)::regclass AND a.attnum > 0
             AND NOT a.attisdropped AND a.attidentity = ''${storedOnly ? " AND a.attgenerated = ''" : ''}
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                              WHERE i.indrelid = a.attrelid AND i.indisprimary
                                AND a.attnum = ANY (i.indkey));
          IF pk IS NOT NULL AND assignments IS NOT NULL THEN
            conflict := format('(%s) DO UPDATE %s', pk, 'SET ' || assignments);
          END IF;
        END IF;
        PERFORM set_config('app.tenant_id', p_tenant::text, true);${
          storedOnly
            ? `
        -- Generated columns take no value: every other column, named.
        SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO columns${COLUMNS_OF_TABLE('stored')};
        EXECUTE format(
          'INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE
             SELECT %s FROM pg_catalog.jsonb_populate_recordset(NULL::public.%I, $1) ON CONFLICT %s',
          p_table, columns, columns, p_table, conflict) USING p_rows;`
            : `
        EXECUTE format(
          'INSERT INTO public.%I OVERRIDING SYSTEM VALUE
             SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::public.%I, $1) ON CONFLICT %s',
          p_table, p_table, conflict) USING p_rows;`
        }
        GET DIAGNOSTICS written = ROW_COUNT;
        PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
        RETURN written;
      END
      $fn$`;
}

/**
 * `move_tenant_rows_cursor` as 271 made it, or (`storedOnly`, migration 283) leaving the
 * generated columns out of each row's JSON: the target computes its own, so sending them only
 * costs bytes and parsing.
 */
export function moveTenantRowsCursorSql(replace: boolean, storedOnly: boolean): string {
  // Without the horizon the generated names are $2, with it $3.
  const row = (names: string) => (storedOnly ? `to_jsonb(t) - ${names}::text[]` : 'to_jsonb(t)');
  const generated = storedOnly ? ', generated' : '';
  return `
      CREATE ${replace ? 'OR REPLACE ' : ''}FUNCTION public.move_tenant_rows_cursor(p_tenant uuid, p_table text, p_cursor text, p_horizon bigint)
      RETURNS refcursor
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        rows refcursor := p_cursor;
        pk text;${
          storedOnly
            ? `
        generated text[];`
            : ''
        }
      BEGIN
${MOVE_GUARD('move_tenant_rows_cursor', `(${AS_SOURCE}) OR (${AS_TARGET})`)}
${TABLE_GUARD('move_tenant_rows_cursor')}
        SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY k.ord) INTO pk
          FROM pg_catalog.pg_index i,
               pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord),
               pg_catalog.pg_attribute a
         WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum
           AND i.indrelid = format('public.%I', p_table)::regclass AND i.indisprimary;${
             storedOnly
               ? `
        SELECT coalesce(array_agg(a.attname::text), '{}') INTO generated${COLUMNS_OF_TABLE('generated')};`
               : ''
           }
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        IF p_horizon IS NULL THEN
          OPEN rows FOR EXECUTE format(
            'SELECT ${row('$2')} AS row FROM public.%I t WHERE t.tenant_id = $1 ORDER BY %s',
            p_table, coalesce(pk, 't.ctid')) USING p_tenant${generated};
        ELSE
          -- Row versions written since the horizon: xmin not older than it (wraparound-safe by age).
          OPEN rows FOR EXECUTE format(
            'SELECT ${row('$3')} AS row FROM public.%I t WHERE t.tenant_id = $1
               AND age(t.xmin) <= age(($2::bigint %% 4294967296)::text::xid) ORDER BY %s',
            p_table, coalesce(pk, 't.ctid')) USING p_tenant, p_horizon${generated};
        END IF;
        RETURN rows;
      END
      $fn$`;
}

/**
 * `tenant_rows_checksum` as 271 made it (the whole row's text), or (`storedOnly`, migration
 * 283) the text of the stored columns only: a generated column follows from them, and hashing
 * it again only lengthens the hold.
 */
export function tenantRowsChecksumSql(replace: boolean, storedOnly: boolean): string {
  return `
      CREATE ${replace ? 'OR REPLACE ' : ''}FUNCTION public.tenant_rows_checksum(p_tenant uuid, p_table text, OUT n bigint, OUT sum numeric)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        previous text := current_setting('app.tenant_id', true);
        -- row::text depends on these: the same on both sides, then put back for the caller.
        zone text := current_setting('TimeZone');
        style text := current_setting('DateStyle');
        digits text := current_setting('extra_float_digits');
        intervals text := current_setting('IntervalStyle');${
          storedOnly
            ? `
        stored text;`
            : ''
        }
      BEGIN
        PERFORM set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, MDY', true),
                set_config('extra_float_digits', '3', true), set_config('IntervalStyle', 'postgres', true);
${MOVE_GUARD('tenant_rows_checksum', `(${AS_SOURCE}) OR (${AS_TARGET})`)}
${TABLE_GUARD('tenant_rows_checksum')}
        PERFORM set_config('app.tenant_id', p_tenant::text, true);${
          storedOnly
            ? `
        SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY a.attnum) INTO stored${COLUMNS_OF_TABLE('stored')};
        EXECUTE format(
          'SELECT count(*), coalesce(sum(hashtextextended(ROW(%s)::text, 0)), 0)
             FROM public.%I t WHERE t.tenant_id = $1', stored, p_table)
          INTO n, sum USING p_tenant;`
            : `
        EXECUTE format(
          'SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0)
             FROM public.%I t WHERE t.tenant_id = $1', p_table)
          INTO n, sum USING p_tenant;`
        }
        PERFORM set_config('app.tenant_id', coalesce(previous, ''), true),
                set_config('TimeZone', zone, true), set_config('DateStyle', style, true),
                set_config('extra_float_digits', digits, true),
                set_config('IntervalStyle', intervals, true);
      END
      $fn$`;
}

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
        source_database text NOT NULL,
        target_database text NOT NULL,
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
    await runner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_moves TO ${platformRole()}`);

    await runner.query(`
      CREATE FUNCTION public.purge_moved_tenant_rows(p_tenant uuid, p_table text) RETURNS bigint
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        previous text := current_setting('app.tenant_id', true);
        removed bigint;
      BEGIN
${MOVE_GUARD(
  'purge_moved_tenant_rows',
  `(m.source_database = current_database() AND m.state IN ('flipped', 'purging'))
           OR (m.target_database = current_database() AND m.state IN (${OPEN_STATES}, 'rolling_back'))`,
)}
        -- The tenants row only where it is a copy (a placement database: no placements rows),
        -- last, once the tenant's rows are gone; control's row is the tenant itself.
        IF p_table = 'tenants' THEN
          IF EXISTS (SELECT 1 FROM public.placements) THEN
            RAISE EXCEPTION 'purge_moved_tenant_rows: the control database keeps its tenants rows'
              USING ERRCODE = 'invalid_parameter_value';
          END IF;
        ELSE
${TABLE_GUARD('purge_moved_tenant_rows')}
        END IF;
        -- FORCE RLS binds the owner too: act as the tenant for this statement only.
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        IF p_table = 'tenants' THEN
          DELETE FROM public.tenants WHERE id = p_tenant;
        ELSE
          EXECUTE format('DELETE FROM public.%I WHERE tenant_id = $1', p_table) USING p_tenant;
        END IF;
        GET DIAGNOSTICS removed = ROW_COUNT;
        PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
        RETURN removed;
      END
      $fn$`);

    await runner.query(moveTenantRowsCursorSql(false, false));

    await runner.query(moveTenantRowsInSql(false, false));

    await runner.query(tenantRowsChecksumSql(false, false));
    for (const fn of TENANT_MOVE_FUNCTIONS) {
      await runner.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await runner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${platformRole()}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const fn of TENANT_MOVE_FUNCTIONS) await runner.query(`DROP FUNCTION ${fn}`);
    await runner.query('DROP TABLE tenant_moves');
  }
}
