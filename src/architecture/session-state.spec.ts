import { appSourceFiles } from './source-files';
import { sessionStateSql } from './session-state';

describe('no session state in the app’s SQL (PgBouncer in transaction mode)', () => {
  it('finds none in src/', () => {
    const files = appSourceFiles().filter((file) => file.path !== 'architecture/session-state.ts');
    expect(sessionStateSql(files)).toEqual([]);
  });

  it('flags session SETs, session locks and the like, not their transaction-scoped forms', () => {
    const flagged = (sql: string) => sessionStateSql([{ path: 'x.ts', text: sql }]).length;
    for (const bad of [
      "query(`SET app.tenant_id = '1'`)",
      "query('SET SESSION statement_timeout TO 0')",
      'query("SELECT set_config(\'app.tenant_id\', $1, false)")',
      "query('SELECT pg_try_advisory_lock(1)')",
      "query('SELECT pg_advisory_lock_shared(1)')",
      "query('LISTEN jobs')",
      "query('DISCARD ALL')",
      "query('DECLARE c CURSOR WITH HOLD FOR SELECT 1')",
      "query('CREATE TEMP TABLE t (a int)')",
      "query('PREPARE q AS SELECT 1')",
      "query('SET ROLE tenantry_owner')",
      "query('SET SESSION AUTHORIZATION tenantry_owner')",
      "query(`SET TIME ZONE 'UTC'`)",
      "query('RESET statement_timeout')",
      "query('RESET ALL')",
    ]) {
      expect([bad, flagged(bad)]).toEqual([bad, 1]);
    }
    for (const good of [
      "query(`SET LOCAL statement_timeout = '1s'`)",
      'query("SELECT set_config(\'app.tenant_id\', $1, true)")',
      "query('SELECT pg_advisory_xact_lock(1)')",
      "query('SET LOCAL ROLE tenantry_owner')",
      "query(`SET LOCAL TIME ZONE 'UTC'`)",
      "query('SELECT pg_try_advisory_xact_lock(1)')",
      'query(`UPDATE tenants\n  SET status = $2 WHERE id = $1`)',
      "query('INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 2')",
    ]) {
      expect([good, flagged(good)]).toEqual([good, 0]);
    }
  });
});
