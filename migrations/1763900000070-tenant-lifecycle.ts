import type { MigrationInterface, QueryRunner } from 'typeorm';
import { platformRole } from './support/isolation';

/**
 * Issue 14: deletion with a grace period, and purge everywhere.
 *
 * - tenants.status: active, suspended, pending_deletion (restorable until purge_after),
 *   purging (a purge under way or interrupted: the purge job resumes it) and purged (a tombstone
 *   kept so the slug is never reused, with purged_at and purge_report). `deleted` is gone:
 *   existing deleted tenants become pending_deletion with a full 30-day grace from now, since
 *   nobody who deleted them was ever told their data would go.
 * - status_before_deletion: what a restore returns to (a suspended tenant stays suspended).
 * - purge_state: each finished purge step and what it removed, so a purge killed half-way
 *   resumes where it stopped; purge_report is the final copy of it.
 * - platform_audit_log learns two actors: a tenant's own `user` (its owner asking for deletion)
 *   and `system` (the purge job).
 * - purge_tenant_rows(tenant, table): the one way rows of a tenant leave a tenant table. The app
 *   and platform roles have no DELETE on most tenant tables (invoices, audit_log: none at all), and
 *   FORCE RLS binds every role; this SECURITY DEFINER function runs as the owner, deletes one
 *   table's rows of ONE tenant, and only of a tenant whose status is already `purging` (so even
 *   a compromised platform connection cannot wipe a live tenant), only from a public,
 *   non-partition table that has a tenant_id column. EXECUTE to the platform role alone.
 */
export const TENANT_PURGE_FUNCTIONS = ['public.purge_tenant_rows(uuid, text)'];

export class TenantLifecycle1763900000070 implements MigrationInterface {
  name = 'TenantLifecycle1763900000070';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE tenants
        ADD COLUMN purge_after timestamptz,
        ADD COLUMN purged_at timestamptz,
        ADD COLUMN status_before_deletion varchar(16),
        ADD COLUMN purge_state jsonb,
        ADD COLUMN purge_report jsonb`);
    await runner.query('ALTER TABLE tenants DROP CONSTRAINT tenants_status_known');
    await runner.query('ALTER TABLE tenants DROP CONSTRAINT tenants_deleted_at_matches');
    await runner.query(`
      UPDATE tenants
         SET status = 'pending_deletion', purge_after = now() + interval '30 days',
             status_before_deletion = 'active'
       WHERE status = 'deleted'`);
    await runner.query(`
      ALTER TABLE tenants
        ADD CONSTRAINT tenants_status_known CHECK (status IN
          ('active', 'suspended', 'pending_deletion', 'purging', 'purged')),
        ADD CONSTRAINT tenants_deleted_at_matches CHECK
          ((status IN ('pending_deletion', 'purging', 'purged')) = (deleted_at IS NOT NULL)),
        ADD CONSTRAINT tenants_purge_after_matches CHECK
          ((status IN ('pending_deletion', 'purging', 'purged')) = (purge_after IS NOT NULL)),
        ADD CONSTRAINT tenants_purged_at_matches CHECK
          ((status = 'purged') = (purged_at IS NOT NULL)),
        ADD CONSTRAINT tenants_status_before_deletion_known CHECK
          (status_before_deletion IS NULL OR status_before_deletion IN ('active', 'suspended'))`);
    await runner.query(
      "CREATE INDEX tenants_purge_due_idx ON tenants (purge_after) WHERE status IN ('pending_deletion', 'purging')",
    );

    await runner.query(
      'ALTER TABLE platform_audit_log DROP CONSTRAINT platform_audit_log_actor_known',
    );
    await runner.query(`
      ALTER TABLE platform_audit_log ADD CONSTRAINT platform_audit_log_actor_known
        CHECK (actor_type IN ('platform_admin', 'anonymous', 'user', 'system'))`);

    await runner.query(`
      CREATE FUNCTION public.purge_tenant_rows(p_tenant uuid, p_table text) RETURNS bigint
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        previous text := current_setting('app.tenant_id', true);
        removed bigint;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM public.tenants t WHERE t.id = p_tenant AND t.status = 'purging') THEN
          RAISE EXCEPTION 'purge_tenant_rows: tenant % is not being purged', p_tenant
            USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF NOT EXISTS (
          SELECT 1
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
           WHERE c.relname = p_table AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ) THEN
          RAISE EXCEPTION 'purge_tenant_rows: % is not a tenant table', p_table
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- FORCE RLS binds the owner too: act as the tenant for this statement, then put back
        -- whatever the caller had.
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        EXECUTE format('DELETE FROM public.%I WHERE tenant_id = $1', p_table) USING p_tenant;
        GET DIAGNOSTICS removed = ROW_COUNT;
        PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
        RETURN removed;
      END
      $fn$`);
    for (const fn of TENANT_PURGE_FUNCTIONS) {
      await runner.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await runner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${platformRole()}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION public.purge_tenant_rows(uuid, text)');
    // platform_audit_log keeps the wider actor check: entries written by owners and the purge
    // job stay as they were (an audit trail is never rewritten), and older code writes neither.
    await runner.query('DROP INDEX tenants_purge_due_idx');
    for (const name of [
      'tenants_status_known',
      'tenants_deleted_at_matches',
      'tenants_purge_after_matches',
      'tenants_purged_at_matches',
      'tenants_status_before_deletion_known',
    ]) {
      await runner.query(`ALTER TABLE tenants DROP CONSTRAINT ${name}`);
    }
    await runner.query(
      "UPDATE tenants SET status = 'deleted' WHERE status IN ('pending_deletion', 'purging', 'purged')",
    );
    await runner.query(`
      ALTER TABLE tenants
        ADD CONSTRAINT tenants_status_known CHECK (status IN ('active', 'suspended', 'deleted')),
        ADD CONSTRAINT tenants_deleted_at_matches CHECK ((status = 'deleted') = (deleted_at IS NOT NULL)),
        DROP COLUMN purge_after, DROP COLUMN purged_at, DROP COLUMN status_before_deletion,
        DROP COLUMN purge_state, DROP COLUMN purge_report`);
  }
}
