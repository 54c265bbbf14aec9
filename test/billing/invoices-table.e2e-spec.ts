import type { Client } from 'pg';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { createTenant, createTestApp, TestApp } from '../support/test-app';

const INSUFFICIENT_PRIVILEGE = '42501';
const INTEGRITY_VIOLATION = '23000';
const UNIQUE_VIOLATION = '23505';

const INSERT = `
  INSERT INTO invoices (tenant_id, sequence_number, number, period_start, period_end, lines,
                        events_included, events_used, events_overage, total_cents)
  VALUES ($1, $2, $3, $4, $5, '[]'::jsonb, 0, 0, 0, 9900)
  RETURNING id`;

/**
 * The invoices table against the real PostgreSQL: tenant-owned like every tenant table, one
 * invoice per tenant per period, and a finalised invoice no role can change.
 */
describe('invoices table', () => {
  let t: TestApp;
  let app: Client;
  let owner: Client;
  let tenantA: string;
  let tenantB: string;
  let invoiceOfA: string;

  beforeAll(async () => {
    t = await createTestApp();
    app = await connectAs('app');
    owner = await connectAs('owner');
    tenantA = (await createTenant(t.http)).id;
    tenantB = (await createTenant(t.http)).id;
    // Committed, as the finaliser commits it (asTenant rolls back).
    await app.query('BEGIN');
    await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenantA]);
    const { rows } = await app.query<{ id: string }>(INSERT, [
      tenantA,
      1,
      'A-00001',
      '2026-10-01T00:00:00Z',
      '2026-11-01T00:00:00Z',
    ]);
    await app.query('COMMIT');
    invoiceOfA = rows[0].id;
  });
  afterAll(async () => {
    await app.end();
    await owner.end();
    await t.close();
  });

  it("is invisible to another tenant, even by id, and refuses an insert in another tenant's name", async () => {
    await asTenant(app, tenantB, async () => {
      const { rowCount } = await app.query('SELECT 1 FROM invoices WHERE id = $1', [invoiceOfA]);
      expect(rowCount).toBe(0);
      const state = await sqlState(app, INSERT, [
        tenantA,
        2,
        'A-00002',
        '2026-11-01T00:00:00Z',
        '2026-12-01T00:00:00Z',
      ]);
      expect(state).toBe(INSUFFICIENT_PRIVILEGE); // RLS WITH CHECK
    });
    await asTenant(app, tenantA, async () => {
      const { rowCount } = await app.query('SELECT 1 FROM invoices WHERE id = $1', [invoiceOfA]);
      expect(rowCount).toBe(1);
    });
  });

  it('holds one invoice per tenant per period', async () => {
    await asTenant(app, tenantA, async () => {
      const state = await sqlState(app, INSERT, [
        tenantA,
        2,
        'A-00002',
        '2026-10-01T00:00:00Z',
        '2026-11-01T00:00:00Z',
      ]);
      expect(state).toBe(UNIQUE_VIOLATION);
    });
  });

  it('refuses UPDATE and DELETE to the app role: no privilege', async () => {
    await asTenant(app, tenantA, async () => {
      expect(
        await sqlState(app, 'UPDATE invoices SET total_cents = 0 WHERE id = $1', [invoiceOfA]),
      ).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await sqlState(app, 'DELETE FROM invoices WHERE id = $1', [invoiceOfA])).toBe(
        INSUFFICIENT_PRIVILEGE,
      );
    });
  });

  it('refuses UPDATE even to the owner role: the trigger holds', async () => {
    await asTenant(owner, tenantA, async () => {
      const state = await sqlState(owner, 'UPDATE invoices SET total_cents = 0 WHERE id = $1', [
        invoiceOfA,
      ]);
      expect(state).toBe(INTEGRITY_VIOLATION);
      const { rows } = await owner.query<{ total_cents: string }>(
        'SELECT total_cents FROM invoices WHERE id = $1',
        [invoiceOfA],
      );
      expect(rows[0].total_cents).toBe('9900');
    });
  });
});
