import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first statement of every tenant transaction (TenantContext) as one function: the tenant
 * setting RLS reads, the shared lock a move's flip holds exclusively, then the tenant's
 * placement epoch. A function, not one SELECT of the three: under READ COMMITTED a statement
 * reads the data as of its start, so a SELECT that waited on the lock would still read the
 * epoch from before the flip it waited for, and write to the database the tenant just left. In
 * a VOLATILE plpgsql function each statement takes a new snapshot, so the epoch is read after
 * the lock is granted. Still one round trip.
 *
 * SECURITY INVOKER (the default) and callable by anyone: it does only what its caller could do
 * itself, with the caller's rights (RLS and grants on tenants unchanged).
 */
export class OpenTenantScope1763900000272 implements MigrationInterface {
  name = 'OpenTenantScope1763900000272';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE FUNCTION public.open_tenant_scope(p_tenant text) RETURNS integer
      LANGUAGE plpgsql VOLATILE
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      DECLARE
        epoch integer;
      BEGIN
        PERFORM set_config('app.tenant_id', p_tenant, true);
        PERFORM pg_advisory_xact_lock_shared(hashtextextended('tenant-placement:' || p_tenant, 0));
        SELECT t.placement_epoch INTO epoch FROM public.tenants t WHERE t.id = p_tenant::uuid;
        RETURN epoch;
      END
      $fn$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION public.open_tenant_scope(text)');
  }
}
