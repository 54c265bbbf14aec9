import { connectAs, sqlState } from '../support/sql';
import { adminAuth, createTenant, createTestApp, TestApp } from '../support/test-app';

/**
 * purge_tenant_rows(tenant, table), the one way rows leave a tenant table in a purge: only the
 * platform role may call it, only for a tenant already being purged, only on a tenant table.
 */
describe('purge_tenant_rows()', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '' } });
  });
  afterAll(() => t.close());

  it('refuses the app role, a live or pending tenant, and any table that is not a tenant table', async () => {
    const live = await createTenant(t.http);
    const pending = await createTenant(t.http);
    await t.http.delete(`/admin/tenants/${pending.id}`).set(adminAuth).expect(200);
    const app = await connectAs('app');
    const platform = await connectAs('platform');
    try {
      await app.query('BEGIN');
      expect(
        await sqlState(app, 'SELECT public.purge_tenant_rows($1, $2)', [live.id, 'users']),
      ).toBe(
        '42501', // insufficient_privilege
      );
      await app.query('ROLLBACK');

      await platform.query('BEGIN');
      for (const id of [live.id, pending.id]) {
        expect(
          await sqlState(platform, 'SELECT public.purge_tenant_rows($1, $2)', [id, 'users']),
        ).toBe(
          '55000', // object_not_in_prerequisite_state: not purging
        );
      }
      await platform.query('ROLLBACK');

      // A tenant being purged: still only tenant tables, never a partition, never a platform table.
      const owner = await connectAs('owner');
      try {
        await owner.query("UPDATE tenants SET status = 'purging' WHERE id = $1", [pending.id]);
        const { rows } = await owner.query<{ name: string }>(
          "SELECT c.relname AS name FROM pg_class c WHERE c.relispartition AND c.relname LIKE 'events_%' LIMIT 1",
        );
        await platform.query('BEGIN');
        for (const table of [
          'tenants',
          'platform_audit_log',
          'plans',
          'no_such_table',
          rows[0]?.name ?? 'events_x',
        ]) {
          expect([
            table,
            await sqlState(platform, 'SELECT public.purge_tenant_rows($1, $2)', [
              pending.id,
              table,
            ]),
          ]).toEqual([table, '22023']); // invalid_parameter_value
        }
        const removed = await platform.query<{ n: string }>(
          'SELECT public.purge_tenant_rows($1, $2) AS n',
          [pending.id, 'tenant_settings'],
        );
        expect(Number(removed.rows[0].n)).toBe(1);
        await platform.query('ROLLBACK');
      } finally {
        await owner.query("UPDATE tenants SET status = 'pending_deletion' WHERE id = $1", [
          pending.id,
        ]);
        await owner.end();
      }
    } finally {
      await app.end();
      await platform.end();
    }
  });
});
