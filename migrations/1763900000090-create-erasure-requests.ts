import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  appRole,
  enablePlatformRead,
  enableTenantIsolation,
  PLATFORM_READ_SETTING,
  platformRole,
} from './support/isolation';
import { crossTenantAttemptsFunction } from './support/cross-tenant-attempts';

/** The platform role's functions this migration adds (the start-up role check knows them). */
export const ERASURE_PLATFORM_FUNCTIONS = ['public.platform_unfinished_erasures(integer)'];

/**
 * End-user erasure (issue 14, item 5).
 *
 * - `erasure_requests`: one row per `POST /v1/privacy/erasures`, tenant-owned, RLS forced. The
 *   end user's id is kept in clear only while the request has work left (`user_id`, nulled when
 *   the last pass is done); what stays is `subject_digest`, SHA-256 of tenant id and user id,
 *   so a data-protection officer holding the id can show it was erased without the table
 *   keeping it. `removed` holds what each pass removed per store.
 * - The app role may now DELETE from `events` (under RLS, so only its current tenant's rows):
 *   the erasure and the per-tenant retention deletes. The statement trigger on events marks
 *   every touched day stale, so analytics read those days raw until the rollup is recomputed.
 * - `record_cross_tenant_attempt()` learns erasure requests: a request naming another tenant's
 *   erasure id is recorded in that tenant's audit log (the caller gets the same 404 either way).
 *   Its CASE keeps every earlier resource type.
 * - `platform_unfinished_erasures(limit)`: every tenant's passes still to run (first passes not
 *   done, rechecks not done) with when each is due, for the app to queue again at start-up (a
 *   crash, or Redis lost its jobs). Ids and times only; the platform role's alone.
 */
export class CreateErasureRequests1763900000090 implements MigrationInterface {
  name = 'CreateErasureRequests1763900000090';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE erasure_requests (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id varchar(256),
        subject_digest char(64) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        requested_by_type varchar(16) NOT NULL,
        requested_by varchar(128),
        cutoff timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz,
        recheck_after timestamptz,
        rechecked_at timestamptz,
        removed jsonb NOT NULL DEFAULT '{}'::jsonb,
        error text,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT erasure_requests_status_known
          CHECK (status IN ('pending', 'running', 'completed', 'failed')),
        CONSTRAINT erasure_requests_digest_hex CHECK (subject_digest ~ '^[0-9a-f]{64}$'),
        CONSTRAINT erasure_requests_user_while_work_left
          CHECK (user_id IS NOT NULL OR rechecked_at IS NOT NULL OR status = 'failed')
      )`);
    await runner.query('CREATE UNIQUE INDEX erasure_requests_id ON erasure_requests (id)');
    await runner.query(
      'CREATE INDEX erasure_requests_tenant_created ON erasure_requests (tenant_id, created_at DESC, id)',
    );
    await enableTenantIsolation(runner, 'erasure_requests');
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON erasure_requests TO ${appRole()}`);
    await enablePlatformRead(runner, 'erasure_requests');
    await runner.query(`GRANT DELETE ON events TO ${appRole()}`);
    await runner.query(
      crossTenantAttemptsFunction({ invoices: true, dataExports: true, erasureRequests: true }),
    );
    await runner.query(`
      CREATE FUNCTION public.platform_unfinished_erasures(p_limit integer)
      RETURNS TABLE (tenant_id uuid, id uuid, pass text, due timestamptz)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT r.tenant_id, r.id,
                 CASE WHEN r.status = 'completed' THEN 'recheck' ELSE 'first' END,
                 CASE WHEN r.status = 'completed' THEN r.recheck_after ELSE r.created_at END
            FROM public.erasure_requests r
           WHERE r.status IN ('pending', 'running')
              OR (r.status = 'completed' AND r.rechecked_at IS NULL)
           ORDER BY 4, 2
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`);
    await runner.query(
      'REVOKE ALL ON FUNCTION public.platform_unfinished_erasures(integer) FROM PUBLIC',
    );
    await runner.query(
      `GRANT EXECUTE ON FUNCTION public.platform_unfinished_erasures(integer) TO ${platformRole()}`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION public.platform_unfinished_erasures(integer)');
    await runner.query(
      crossTenantAttemptsFunction({ invoices: true, dataExports: true, erasureRequests: false }),
    );
    await runner.query(`REVOKE DELETE ON events FROM ${appRole()}`);
    await runner.query('DROP TABLE erasure_requests');
  }
}
