import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_READ_SETTING } from './support/isolation';

/**
 * Hardens the two SECURITY DEFINER functions of 1763900000008. They named tables without a
 * schema under `search_path = pg_catalog, public`; PostgreSQL then searches pg_temp FIRST for
 * relations, so the app role (which may create temporary objects) could shadow `users` with a
 * temp view calling its own code, run as the owner role. Now: `search_path = pg_catalog,
 * pg_temp` (pg_temp last; it is never searched for functions or operators) and every table
 * schema-qualified. A catalogue test checks every SECURITY DEFINER function for both.
 */
export class HardenPlatformAuditFunctions1763900000009 implements MigrationInterface {
  name = 'HardenPlatformAuditFunctions1763900000009';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE OR REPLACE FUNCTION public.record_cross_tenant_attempt(
        p_resource_type text, p_resource_id uuid, p_actor_type text, p_actor_id text,
        p_ip text, p_user_agent text, p_details jsonb
      ) RETURNS boolean
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
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
          WHEN 'user' THEN SELECT r.tenant_id INTO target FROM public.users r WHERE r.id = p_resource_id;
          WHEN 'api_key' THEN SELECT r.tenant_id INTO target FROM public.api_keys r WHERE r.id = p_resource_id;
          ELSE RAISE EXCEPTION 'record_cross_tenant_attempt: unknown resource type %', p_resource_type;
        END CASE;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
        IF target IS NULL OR target = caller THEN
          RETURN false;
        END IF;
        -- Written under the target's tenant, as its own RLS policy demands, then back to the caller.
        PERFORM set_config('app.tenant_id', target::text, true);
        INSERT INTO public.audit_log (tenant_id, actor_type, actor_id, action, resource_type,
                                      resource_id, details, ip, user_agent, cross_tenant_attempt)
        VALUES (target, p_actor_type, p_actor_id, 'cross_tenant_attempt', p_resource_type,
                p_resource_id::text,
                coalesce(p_details, '{}'::jsonb) || jsonb_build_object('caller_tenant_id', caller),
                p_ip, p_user_agent, true);
        PERFORM set_config('app.tenant_id', caller::text, true);
        RETURN true;
      END
      $fn$`);

    await runner.query(`
      CREATE OR REPLACE FUNCTION public.platform_audit_entries(
        p_tenant_id uuid, p_action text, p_actor_id text, p_from timestamptz, p_to timestamptz,
        p_cross_tenant_only boolean, p_limit integer, p_offset integer
      ) RETURNS TABLE (
        tenant_id uuid, id uuid, at timestamptz, actor_type varchar, actor_id varchar,
        action varchar, resource_type varchar, resource_id varchar, details jsonb, ip varchar,
        user_agent varchar, cross_tenant_attempt boolean, total bigint
      )
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          WITH entries AS (
            SELECT a.tenant_id, a.id, a.at, a.actor_type, a.actor_id, a.action, a.resource_type,
                   a.resource_id, a.details, a.ip, a.user_agent, a.cross_tenant_attempt
              FROM public.audit_log a
            UNION ALL
            SELECT NULL::uuid, p.id, p.at, p.actor_type, p.actor_id, p.action, p.resource_type,
                   p.resource_id, p.details, p.ip, p.user_agent, false
              FROM public.platform_audit_log p
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
  }

  async down(): Promise<void> {
    // The unsafe definitions are not restored; reverting 1763900000008 drops both functions.
  }
}
