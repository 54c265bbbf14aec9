import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/**
 * Finalised invoices: one per tenant per billing period (a UTC calendar month), a document that
 * never changes once written. Drafts are computed on demand and never stored.
 *
 * - Tenant-owned: RLS forced, key (tenant_id, id).
 * - Idempotent finalisation: UNIQUE (tenant_id, period_start), so a second run (or a second
 *   instance) inserts nothing.
 * - Numbered per tenant without gaps: `sequence_number` 1, 2, 3…, unique per tenant; the
 *   finaliser takes it under a per-tenant advisory lock. `number` is the printed form.
 * - Immutable: the app role may SELECT and INSERT only, and a trigger refuses UPDATE for every
 *   role, the owner included. DELETE stays possible for the owner alone (a tenant purge).
 */
export class CreateInvoices1763900000060 implements MigrationInterface {
  name = 'CreateInvoices1763900000060';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE invoices (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        sequence_number integer NOT NULL CHECK (sequence_number > 0),
        number varchar(80) NOT NULL,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL CHECK (period_end > period_start),
        currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency = 'USD'),
        display_currency char(3),
        lines jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array'),
        events_included bigint NOT NULL CHECK (events_included >= 0),
        events_used bigint NOT NULL CHECK (events_used >= 0),
        events_overage bigint NOT NULL CHECK (events_overage >= 0),
        total_cents bigint NOT NULL CHECK (total_cents >= 0),
        finalised_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, period_start),
        UNIQUE (tenant_id, sequence_number)
      )`);
    await enableTenantIsolation(runner, 'invoices');
    await runner.query(`GRANT SELECT, INSERT ON invoices TO ${appRole()}`);
    await runner.query(`
      CREATE FUNCTION refuse_invoice_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'invoice % is finalised and cannot change', OLD.number
          USING ERRCODE = 'integrity_constraint_violation';
      END $$`);
    await runner.query(`
      CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices
        FOR EACH ROW EXECUTE FUNCTION refuse_invoice_update()`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE invoices');
    await runner.query('DROP FUNCTION refuse_invoice_update()');
  }
}
