import type { Client } from 'pg';
import { requireSilo, SILO_PLACEMENT } from '../support/placements';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const RLS_VIOLATION = '42501';

/**
 * RLS against the real PostgreSQL, connected as the app role exactly as the app connects: in
 * the control database (two pooled tenants) and in a silo's (two tenants of the siloed
 * placement), the same rules in each; tenants of different placements are checked in
 * test/tenancy/placements.e2e-spec.ts.
 */
describe.each([
  { placement: 'pooled', database: 'control' as const },
  { placement: SILO_PLACEMENT, database: 'silo-1' as const },
])(
  'tenant isolation in PostgreSQL, two tenants of the $placement placement',
  ({ placement, database }) => {
    let t: TestApp;
    let app: Client;
    let tenantA: string;
    let tenantB: string;

    beforeAll(async () => {
      if (database !== 'control') requireSilo();
      t = await createTestApp();
      app = await connectAs('app', database);
      const options = database === 'control' ? {} : { tier: 'enterprise', placement };
      tenantA = (await createTenant(t.http, options)).id;
      tenantB = (await createTenant(t.http, options)).id;
    });
    afterAll(async () => {
      await app.end();
      await t.close();
    });

    describe('with no tenant set', () => {
      it('returns no rows from a tenant table', async () => {
        const { rows } = await app.query('SELECT count(*)::int AS n FROM tenant_settings');
        expect(rows[0].n).toBe(0);
      });

      it('returns no rows when the setting is an empty string', async () => {
        await app.query('BEGIN');
        await app.query("SELECT set_config('app.tenant_id', '', true)");
        const { rows } = await app.query('SELECT count(*)::int AS n FROM tenant_settings');
        await app.query('ROLLBACK');
        expect(rows[0].n).toBe(0);
      });

      it('refuses inserts', async () => {
        await app.query('BEGIN');
        const state = await sqlState(app, 'INSERT INTO tenant_settings (tenant_id) VALUES ($1)', [
          tenantA,
        ]);
        await app.query('ROLLBACK');
        expect(state).toBe(RLS_VIOLATION);
      });
    });

    describe('as tenant A', () => {
      it("sees only A's row, even when asking for B's by id", async () => {
        await asTenant(app, tenantA, async () => {
          const all = await app.query<{ tenant_id: string }>(
            'SELECT tenant_id FROM tenant_settings',
          );
          expect(all.rows).toEqual([{ tenant_id: tenantA }]);
          const other = await app.query('SELECT * FROM tenant_settings WHERE tenant_id = $1', [
            tenantB,
          ]);
          expect(other.rowCount).toBe(0);
        });
      });

      it("cannot update B's row: zero rows touched, B unchanged", async () => {
        await asTenant(app, tenantA, async () => {
          const result = await app.query(
            "UPDATE tenant_settings SET timezone = 'Asia/Tokyo' WHERE tenant_id = $1",
            [tenantB],
          );
          expect(result.rowCount).toBe(0);
        });
        await asTenant(app, tenantB, async () => {
          const { rows } = await app.query('SELECT timezone FROM tenant_settings');
          expect(rows).toEqual([{ timezone: 'UTC' }]);
        });
      });

      it('cannot insert a row carrying a forged tenant_id of B', async () => {
        await asTenant(app, tenantA, async () => {
          expect(
            await sqlState(app, 'INSERT INTO tenant_settings (tenant_id) VALUES ($1)', [tenantB]),
          ).toBe(RLS_VIOLATION);
        });
      });

      it('cannot move its own row to B by rewriting tenant_id', async () => {
        await asTenant(app, tenantA, async () => {
          expect(
            await sqlState(app, 'UPDATE tenant_settings SET tenant_id = $1 WHERE tenant_id = $2', [
              tenantB,
              tenantA,
            ]),
          ).toBe(RLS_VIOLATION);
        });
      });
    });

    describe('through the API', () => {
      it('refuses a forged tenant_id in a settings write and changes nothing', async () => {
        const response = await t.http
          .patch('/v1/settings')
          .set(bearer(tenantToken(tenantA)))
          .send({ tenant_id: tenantB, timezone: 'Europe/Paris' })
          .expect(400);
        expect(response.body.errors).toContainEqual({
          field: 'tenant_id',
          message: 'tenant_id is not an accepted field',
        });
        const a = await t.http
          .get('/v1/settings')
          .set(bearer(tenantToken(tenantA)))
          .expect(200);
        expect(a.body).toMatchObject({ tenant_id: tenantA, timezone: 'UTC' });
      });

      it("writes only the caller's own settings", async () => {
        await t.http
          .patch('/v1/settings')
          .set(bearer(tenantToken(tenantA)))
          .send({ timezone: 'Europe/Berlin' })
          .expect(200);
        const b = await t.http
          .get('/v1/settings')
          .set(bearer(tenantToken(tenantB)))
          .expect(200);
        expect(b.body).toMatchObject({ tenant_id: tenantB, timezone: 'UTC' });
        const a = await t.http
          .get('/v1/settings')
          .set(bearer(tenantToken(tenantA)))
          .expect(200);
        expect(a.body).toMatchObject({ tenant_id: tenantA, timezone: 'Europe/Berlin' });
      });
    });
  },
);
