import type { MigrationInterface, QueryRunner } from 'typeorm';
import { crossTenantAttemptsFunction } from './support/cross-tenant-attempts';
import {
  appRole,
  enablePlatformRead,
  enableTenantIsolation,
  PLATFORM_READ_SETTING,
  platformRole,
} from './support/isolation';

/**
 * Custom domains (issue 15, item 6: white label).
 *
 * - `custom_domains`: the hostnames a tenant wants its workspace and embeds served on, each with
 *   the random token its DNS TXT record must carry. Tenant-owned: RLS forced. The app validates
 *   and normalises the hostname (lowercase, punycode); the CHECK repeats the shape.
 *   A hostname is unique per tenant, and unique across the platform once verified (a partial
 *   unique index): a pending claim blocks nobody, so no tenant can squat a name it does not
 *   control; the verified one is whoever proved control of its DNS first.
 * - `custom_domain_tenant(hostname)`: the one cross-tenant read tenant resolution needs: the id
 *   of the tenant that verified exactly that hostname, or NULL. SECURITY DEFINER behind the
 *   platform_read switch, so the app role still reads no row of custom_domains outside its
 *   tenant; it learns only what the public DNS already says (the name points at the platform).
 * - `record_cross_tenant_attempt()` learns custom domains (CASE keeps every earlier kind).
 */
export class CreateCustomDomains1763900000110 implements MigrationInterface {
  name = 'CreateCustomDomains1763900000110';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE custom_domains (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        hostname varchar(253) NOT NULL,
        verification_token varchar(64) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        verified_at timestamptz,
        last_checked_at timestamptz,
        last_error varchar(500),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT custom_domains_status_known CHECK (status IN ('pending', 'verified', 'failed')),
        CONSTRAINT custom_domains_hostname_shape
          CHECK (hostname ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9-]{2,63}$'),
        CONSTRAINT custom_domains_verified_when CHECK ((status = 'verified') = (verified_at IS NOT NULL))
      )`);
    await runner.query('CREATE UNIQUE INDEX custom_domains_id ON custom_domains (id)');
    await runner.query(
      'CREATE UNIQUE INDEX custom_domains_tenant_hostname ON custom_domains (tenant_id, hostname)',
    );
    await runner.query(
      "CREATE UNIQUE INDEX custom_domains_verified_hostname ON custom_domains (hostname) WHERE status = 'verified'",
    );
    await enableTenantIsolation(runner, 'custom_domains');
    await runner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON custom_domains TO ${appRole()}`);
    await enablePlatformRead(runner, 'custom_domains');
    await runner.query(`
      CREATE FUNCTION public.custom_domain_tenant(p_hostname text)
      RETURNS uuid
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        found uuid;
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        SELECT d.tenant_id INTO found FROM public.custom_domains d
         WHERE d.hostname = p_hostname AND d.status = 'verified';
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
        RETURN found;
      END
      $fn$`);
    await runner.query('REVOKE ALL ON FUNCTION public.custom_domain_tenant(text) FROM PUBLIC');
    await runner.query(
      `GRANT EXECUTE ON FUNCTION public.custom_domain_tenant(text) TO ${appRole()}, ${platformRole()}`,
    );
    await runner.query(
      crossTenantAttemptsFunction({
        invoices: true,
        dataExports: true,
        erasureRequests: true,
        customDomains: true,
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      crossTenantAttemptsFunction({ invoices: true, dataExports: true, erasureRequests: true }),
    );
    await runner.query('DROP FUNCTION public.custom_domain_tenant(text)');
    await runner.query('DROP TABLE custom_domains');
  }
}
