import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enablePlatformRead, PLATFORM_READ_SETTING, platformRole } from './support/isolation';

/**
 * What reads invoices beyond their own tenant, and only through SECURITY DEFINER functions the
 * owner role holds (same hardening as 1763900000009: search_path pg_catalog, pg_temp, every
 * table schema-qualified):
 * - record_cross_tenant_attempt() learns invoices: a request naming another tenant's invoice id
 *   is recorded in that tenant's audit log (the caller gets the same 404 either way);
 * - platform_invoices(period_start) lists one period's invoices across tenants for
 *   GET /admin/invoices, to the platform role only.
 */
/** The platform role's readers this migration adds (the start-up role check knows them). */
export const INVOICE_PLATFORM_FUNCTIONS = ['public.platform_invoices(timestamptz, integer)'];

export class InvoiceReaders1763900000061 implements MigrationInterface {
  name = 'InvoiceReaders1763900000061';

  async up(runner: QueryRunner): Promise<void> {
    await enablePlatformRead(runner, 'invoices');
    await runner.query(crossTenantAttempts(true));
    await runner.query(`
      CREATE FUNCTION public.platform_invoices(p_period_start timestamptz, p_limit integer)
      RETURNS TABLE (
        tenant_id uuid, slug varchar, name varchar, id uuid, number varchar,
        period_start timestamptz, period_end timestamptz, events_used bigint,
        events_overage bigint, total_cents bigint, finalised_at timestamptz
      )
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT i.tenant_id, t.slug, t.name, i.id, i.number, i.period_start, i.period_end,
                 i.events_used, i.events_overage, i.total_cents, i.finalised_at
            FROM public.invoices i
            JOIN public.tenants t ON t.id = i.tenant_id
           WHERE i.period_start = p_period_start
           ORDER BY i.total_cents DESC, i.tenant_id
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);
    await runner.query(
      'REVOKE ALL ON FUNCTION public.platform_invoices(timestamptz, integer) FROM PUBLIC',
    );
    await runner.query(
      `GRANT EXECUTE ON FUNCTION public.platform_invoices(timestamptz, integer) TO ${platformRole()}`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION public.platform_invoices(timestamptz, integer)');
    await runner.query(crossTenantAttempts(false));
    await runner.query('DROP POLICY platform_read ON invoices');
  }
}

function crossTenantAttempts(withInvoices: boolean): string {
  const invoices = withInvoices
    ? "WHEN 'invoice' THEN SELECT r.tenant_id INTO target FROM public.invoices r WHERE r.id = p_resource_id;"
    : '';
  return `
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
          WHEN 'dashboard' THEN SELECT r.tenant_id INTO target FROM public.dashboards r WHERE r.id = p_resource_id;
          ${invoices}
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
      $fn$`;
}
