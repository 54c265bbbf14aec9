import { PLATFORM_READ_SETTING } from './isolation';

/**
 * record_cross_tenant_attempt() as of migrations 1763900000080 and 1763900000090: the resource kinds whose owning
 * tenant it can look up (see src/tenancy/scope/resource-not-found.exception.ts). Same hardening
 * as 1763900000009: SECURITY DEFINER, search_path pg_catalog, pg_temp, tables schema-qualified.
 * A later migration adding a kind calls this with its own flag, so no kind is lost on replace.
 */
export function crossTenantAttemptsFunction(kinds: {
  invoices: boolean;
  dataExports: boolean;
  /** Migration 1763900000090. */
  erasureRequests?: boolean;
  /** Migration 1763900000110. */
  customDomains?: boolean;
}): string {
  const invoices = kinds.invoices
    ? "WHEN 'invoice' THEN SELECT r.tenant_id INTO target FROM public.invoices r WHERE r.id = p_resource_id;"
    : '';
  const dataExports = kinds.dataExports
    ? "WHEN 'data_export' THEN SELECT r.tenant_id INTO target FROM public.data_exports r WHERE r.id = p_resource_id;"
    : '';
  const erasureRequests = kinds.erasureRequests
    ? "WHEN 'erasure' THEN SELECT r.tenant_id INTO target FROM public.erasure_requests r WHERE r.id = p_resource_id;"
    : '';
  const customDomains = kinds.customDomains
    ? "WHEN 'custom_domain' THEN SELECT r.tenant_id INTO target FROM public.custom_domains r WHERE r.id = p_resource_id;"
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
          ${dataExports}
          ${erasureRequests}
          ${customDomains}
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
