import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/**
 * The distinct users and sessions of each (tenant, day) over all event types, beside the
 * per-type sets of 1763900000012. A summary without an event-type filter reads these: a third
 * of the rows (a user active on a day is one row, not one per event type it sent), which is
 * what the analytics bench's largest tenant needed to answer a 30-day summary in time.
 *
 * Every day is marked for re-roll so the refresh job fills the new sets, and days that held
 * events before 1763900000012 are recorded now: that migration's backfill ran as the owner
 * under forced RLS and so saw no events. Both statements lift FORCE on the two tables they
 * touch for this transaction only (the owner then reads past RLS; other sessions wait on the
 * table lock and never see the tables unforced).
 */
export class CreateAllTypeRollupSets1763900000013 implements MigrationInterface {
  name = 'CreateAllTypeRollupSets1763900000013';

  async up(runner: QueryRunner): Promise<void> {
    for (const [table, column] of [
      ['event_rollup_daily_all_users', 'user_id'],
      ['event_rollup_daily_all_sessions', 'session_id'],
    ]) {
      await runner.query(`
        CREATE TABLE ${table} (
          tenant_id uuid NOT NULL REFERENCES tenants (id),
          day date NOT NULL,
          ${column} text NOT NULL,
          PRIMARY KEY (tenant_id, day, ${column})
        )`);
      await enableTenantIsolation(runner, table);
      await runner.query(`GRANT SELECT, INSERT, DELETE ON ${table} TO ${appRole()}`);
    }

    await runner.query('ALTER TABLE events NO FORCE ROW LEVEL SECURITY');
    await runner.query('ALTER TABLE event_rollup_days NO FORCE ROW LEVEL SECURITY');
    await runner.query(`
      INSERT INTO event_rollup_days (tenant_id, day)
      SELECT DISTINCT tenant_id, ("timestamp" AT TIME ZONE 'UTC')::date FROM events
      ON CONFLICT (tenant_id, day) DO NOTHING`);
    await runner.query('UPDATE event_rollup_days SET rolled_version = NULL, rolled_at = NULL');
    await runner.query('ALTER TABLE event_rollup_days FORCE ROW LEVEL SECURITY');
    await runner.query('ALTER TABLE events FORCE ROW LEVEL SECURITY');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE event_rollup_daily_all_sessions');
    await runner.query('DROP TABLE event_rollup_daily_all_users');
  }
}
