import { DataSource } from 'typeorm';
import { TenantLifecycle1763900000070 } from '../../migrations/1763900000070-tenant-lifecycle';
import { ALL_MIGRATIONS } from '../../migrations';

/**
 * Migration 1763900000070 on a database that still has `deleted` tenants (run down, then up, in
 * one transaction rolled back at the end): each becomes pending_deletion with a full 30-day grace
 * from the migration, restorable to active, since nobody who deleted it was told it would go.
 */
describe('migration 1763900000070: existing deleted tenants', () => {
  let owner: DataSource;
  beforeAll(async () => {
    owner = new DataSource({
      type: 'postgres',
      host: process.env.DATABASE_HOST,
      port: Number(process.env.DATABASE_PORT),
      database: process.env.DATABASE_NAME,
      username: process.env.DATABASE_OWNER_USER,
      password: process.env.DATABASE_OWNER_PASSWORD,
    });
    await owner.initialize();
  });
  afterAll(() => owner.destroy());

  it('turns deleted into pending_deletion with purge_after = now + 30 days', async () => {
    expect(ALL_MIGRATIONS).toContain(TenantLifecycle1763900000070);
    const runner = owner.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      const migration = new TenantLifecycle1763900000070();
      await migration.down(runner);
      const [plan] = (await runner.query(
        "SELECT id FROM plans WHERE code = 'starter' LIMIT 1",
      )) as {
        id: string;
      }[];
      const [tenant] = (await runner.query(
        `INSERT INTO tenants (name, slug, tier, plan_id, status, deleted_at)
         VALUES ('Old', 'old-deleted-' || floor(random() * 1e9)::text, 'starter', $1, 'deleted',
                 now() - interval '400 days')
         RETURNING id`,
        [plan.id],
      )) as { id: string }[];
      await migration.up(runner);
      const [row] = (await runner.query(
        `SELECT status, status_before_deletion,
                extract(epoch FROM purge_after - now()) / 86400 AS days_left,
                deleted_at IS NOT NULL AS has_deleted_at
           FROM tenants WHERE id = $1`,
        [tenant.id],
      )) as {
        status: string;
        status_before_deletion: string;
        days_left: string;
        has_deleted_at: boolean;
      }[];
      expect(row).toMatchObject({
        status: 'pending_deletion',
        status_before_deletion: 'active',
        has_deleted_at: true,
      });
      expect(Number(row.days_left)).toBeCloseTo(30, 1);
      // A status the new constraint does not know is refused.
      await expect(
        runner.query("UPDATE tenants SET status = 'deleted' WHERE id = $1", [tenant.id]),
      ).rejects.toThrow(/violates check constraint/);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
