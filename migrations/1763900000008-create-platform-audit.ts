import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enablePlatformRead, PLATFORM_READ_SETTING } from './support/isolation';

/**
 * The platform side of the audit trail.
 *
 * - `platform_audit_log`: events that belong to no tenant (platform admin logins). Platform-owned,
 *   insert and select only for the app role.
 * - `record_cross_tenant_attempt(...)`: called after a request was answered 404 for a resource id
 *   it could not see. If that id belongs to another tenant, appends a `cross_tenant_attempt`
 *   entry to THAT tenant's audit log (not the caller's) and returns true. The app role cannot
 *   read other tenants' rows; this function reads only the owning tenant of one id, from a fixed
 *   list of tables, and returns a boolean.
 * - `platform_audit_entries(...)`: GET /admin/audit-log, every tenant's entries and the platform's,
 *   newest first, filtered and paged in SQL.
 *
 * Both functions are SECURITY DEFINER (run as the owner role, which FORCE RLS still binds) and
 * switch PLATFORM_READ_SETTING on for their own reads only, which opens the owner-only
 * `platform_read` policies; they switch it off before returning, and a failure rolls the setting
 * back with the transaction. (PostgreSQL 15 refuses a custom setting in a function's SET clause
 * to a role that is not superuser, hence set_config in the body.)
 */
export class CreatePlatformAudit1763900000008 implements MigrationInterface {
  name = 'CreatePlatformAudit1763900000008';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE platform_audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT now(),
        actor_type varchar(16) NOT NULL,
        actor_id varchar(128),
        action varchar(64) NOT NULL,
        resource_type varchar(64) NOT NULL,
        resource_id varchar(128),
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        ip varchar(64),
        user_agent varchar(512),
        CONSTRAINT platform_audit_log_actor_known CHECK (actor_type IN ('platform_admin', 'anonymous'))
      )`);
    await runner.query('CREATE INDEX platform_audit_log_at_idx ON platform_audit_log (at DESC)');
    await runner.query(`GRANT SELECT, INSERT ON platform_audit_log TO ${appRole()}`);

    // Platform-wide reads: newest first across tenants, and the owner of one id. These are the
    // only indexes that do not lead with tenant_id, on purpose: these lookups have no tenant.
    await runner.query('CREATE INDEX audit_log_at_idx ON audit_log (at DESC)');
    await runner.query('CREATE UNIQUE INDEX users_id_unique ON users (id)');
    await runner.query('CREATE UNIQUE INDEX api_keys_id_unique ON api_keys (id)');
    for (const table of ['audit_log', 'users', 'api_keys']) {
      await enablePlatformRead(runner, table);
    }

    await runner.query(`
      CREATE FUNCTION record_cross_tenant_attempt(
        p_resource_type text, p_resource_id uuid, p_actor_type text, p_actor_id text,
        p_ip text, p_user_agent text, p_details jsonb
      ) RETURNS boolean
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, public
      AS $fn$
      DECLARE
        caller uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
        target uuid;
      BEGIN
        IF caller IS NULL THEN
          RAISE EXCEPTION 'record_cross_tenant_attempt runs inside the caller''s tenant transaction';
        END IF;
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        CASE p_resource_type
          WHEN 'user' THEN SELECT r.tenant_id INTO target FROM users r WHERE r.id = p_resource_id;
          WHEN 'api_key' THEN SELECT r.tenant_id INTO target FROM api_keys r WHERE r.id = p_resource_id;
          ELSE RAISE EXCEPTION 'record_cross_tenant_attempt: unknown resource type %', p_resource_type;
        END CASE;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
        IF target IS NULL OR target = caller THEN
          RETURN false;
        END IF;
        -- Written under the target's tenant, as its own RLS policy demands, then back to the caller.
        PERFORM set_config('app.tenant_id', target::text, true);
        INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
                               details, ip, user_agent, cross_tenant_attempt)
        VALUES (target, p_actor_type, p_actor_id, 'cross_tenant_attempt', p_resource_type,
                p_resource_id::text, coalesce(p_details, '{}'::jsonb) || jsonb_build_object('caller_tenant_id', caller),
                p_ip, p_user_agent, true);
        PERFORM set_config('app.tenant_id', caller::text, true);
        RETURN true;
      END
      $fn$`);

    await runner.query(`
      CREATE FUNCTION platform_audit_entries(
        p_tenant_id uuid, p_action text, p_actor_id text, p_from timestamptz, p_to timestamptz,
        p_cross_tenant_only boolean, p_limit integer, p_offset integer
      ) RETURNS TABLE (
        tenant_id uuid, id uuid, at timestamptz, actor_type varchar, actor_id varchar,
        action varchar, resource_type varchar, resource_id varchar, details jsonb, ip varchar,
        user_agent varchar, cross_tenant_attempt boolean, total bigint
      )
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, public
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          WITH entries AS (
            SELECT a.tenant_id, a.id, a.at, a.actor_type, a.actor_id, a.action, a.resource_type,
                   a.resource_id, a.details, a.ip, a.user_agent, a.cross_tenant_attempt
              FROM audit_log a
            UNION ALL
            SELECT NULL::uuid, p.id, p.at, p.actor_type, p.actor_id, p.action, p.resource_type,
                   p.resource_id, p.details, p.ip, p.user_agent, false
              FROM platform_audit_log p
          )
          SELECT e.*, count(*) OVER () AS total
            FROM entries e
           WHERE (p_tenant_id IS NULL OR e.tenant_id = p_tenant_id)
             AND (p_action IS NULL OR e.action = p_action)
             AND (p_actor_id IS NULL OR e.actor_id = p_actor_id)
             AND (p_from IS NULL OR e.at >= p_from)
             AND (p_to IS NULL OR e.at < p_to)
             AND (NOT p_cross_tenant_only OR e.cross_tenant_attempt)
           ORDER BY e.at DESC, e.id
           LIMIT p_limit OFFSET p_offset;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);

    for (const fn of [
      'record_cross_tenant_attempt(text, uuid, text, text, text, text, jsonb)',
      'platform_audit_entries(uuid, text, text, timestamptz, timestamptz, boolean, integer, integer)',
    ]) {
      await runner.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await runner.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${appRole()}`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'DROP FUNCTION platform_audit_entries(uuid, text, text, timestamptz, timestamptz, boolean, integer, integer)',
    );
    await runner.query(
      'DROP FUNCTION record_cross_tenant_attempt(text, uuid, text, text, text, text, jsonb)',
    );
    for (const table of ['audit_log', 'users', 'api_keys']) {
      await runner.query(`DROP POLICY platform_read ON ${table}`);
    }
    await runner.query('DROP INDEX api_keys_id_unique');
    await runner.query('DROP INDEX users_id_unique');
    await runner.query('DROP INDEX audit_log_at_idx');
    await runner.query('DROP TABLE platform_audit_log');
  }
}
