import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_READ_SETTING, platformRole } from './support/isolation';

const SIGNATURE = 'public.platform_custom_domains_due(timestamptz, integer)';

function dueDomains(withCheckedAt: boolean): string {
  return `
      CREATE FUNCTION public.platform_custom_domains_due(p_checked_before timestamptz, p_limit integer)
      RETURNS TABLE (tenant_id uuid, id uuid${withCheckedAt ? ', last_checked_at timestamptz' : ''})
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $fn$
      BEGIN
        PERFORM set_config('${PLATFORM_READ_SETTING}', 'on', true);
        RETURN QUERY
          SELECT d.tenant_id, d.id${withCheckedAt ? ', d.last_checked_at' : ''}
            FROM public.custom_domains d
           WHERE d.status = 'verified'
             AND (d.last_checked_at IS NULL OR d.last_checked_at < p_checked_before)
           ORDER BY d.last_checked_at NULLS FIRST, d.id
           LIMIT p_limit;
        PERFORM set_config('${PLATFORM_READ_SETTING}', '', true);
      END
      $fn$`;
}

/**
 * `platform_custom_domains_due()` also returns each domain's last check (issue 18): the re-check
 * job reads it in every placement database and merges the lists in the function's own order,
 * oldest check first, before cutting them to one batch. Same arguments, same rights.
 */
export class CustomDomainsDueOrder1763900000281 implements MigrationInterface {
  name = 'CustomDomainsDueOrder1763900000281';

  async up(runner: QueryRunner): Promise<void> {
    await this.replace(runner, true);
  }

  async down(runner: QueryRunner): Promise<void> {
    await this.replace(runner, false);
  }

  /** A function's result columns cannot change in place: dropped and made again, rights too. */
  private async replace(runner: QueryRunner, withCheckedAt: boolean): Promise<void> {
    await runner.query(`DROP FUNCTION ${SIGNATURE}`);
    await runner.query(dueDomains(withCheckedAt));
    await runner.query(`REVOKE ALL ON FUNCTION ${SIGNATURE} FROM PUBLIC`);
    await runner.query(`GRANT EXECUTE ON FUNCTION ${SIGNATURE} TO ${platformRole()}`);
  }
}
