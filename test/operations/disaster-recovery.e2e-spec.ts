import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Client } from 'pg';
import { anEvent, eventually, ingestionEnv } from '../support/ingestion';
import { DrStack } from '../support/dr-stack';
import {
  bearer,
  createTenant,
  createTestApp,
  tenantToken,
  type TestApp,
} from '../support/test-app';

/**
 * The disaster-recovery drill (issue 17), with the real scripts on a stack of its own: ingest a
 * known stream across tenants, back up while events keep flowing, keep ingesting and changing
 * PostgreSQL, lose both PostgreSQL's and ClickHouse's data folders, restore the backup plus the
 * archived WAL, let the consumer replay Kafka from the backup's offsets, and find every accepted
 * event exactly once under its own tenant, and users, keys, dashboards and the audit log as they
 * were at the recovery point. Then a point-in-time restore to just before a DELETE by the owner
 * role brings the deleted rows back.
 */
const kafka = ingestionEnv('dr');
// Below 32768: Linux hands out ephemeral ports above it, and one may hold a port briefly.
// (DR_* variables move them when these are taken.)
const dr = new DrStack(
  'dr',
  {
    pg: Number(process.env.DR_PG_PORT ?? 25532),
    chHttp: Number(process.env.DR_CLICKHOUSE_HTTP_PORT ?? 28223),
    chTcp: Number(process.env.DR_CLICKHOUSE_TCP_PORT ?? 29100),
    chInterserver: Number(process.env.DR_CLICKHOUSE_INTERSERVER_PORT ?? 29109),
  },
  { topic: kafka.KAFKA_EVENTS_TOPIC, group: kafka.KAFKA_CONSUMER_GROUP },
);
const pitr = new DrStack(
  'dr-pitr',
  {
    pg: Number(process.env.DR_PITR_PG_PORT ?? 25533),
    chHttp: Number(process.env.DR_PITR_CLICKHOUSE_HTTP_PORT ?? 28224),
    chTcp: Number(process.env.DR_PITR_CLICKHOUSE_TCP_PORT ?? 29101),
    chInterserver: Number(process.env.DR_PITR_CLICKHOUSE_INTERSERVER_PORT ?? 29110),
  },
  { topic: kafka.KAFKA_EVENTS_TOPIC, group: kafka.KAFKA_CONSUMER_GROUP },
);
const appEnv = (): Record<string, string> => ({
  ...kafka,
  ...dr.env,
  // One consumer batch at a time keeps the replay's order plain; the defaults would do too.
  KAFKA_EVENTS_PARTITIONS: '3',
});

/** Every accepted event id, per tenant: the 202s are the promise the platform made. */
const ledger = new Map<string, Set<string>>();

async function ingest(t: TestApp, tenantId: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, () => anEvent({ event_type: 'drill' }));
  const response = await t.http
    .post('/v1/events')
    .set(bearer(tenantToken(tenantId)))
    .send({ events });
  if (response.status !== 202) return; // not accepted: not promised
  const ids = ledger.get(tenantId) ?? new Set<string>();
  for (const event of events) ids.add(event.event_id as string);
  ledger.set(tenantId, ids);
}

/** Ingests in the background, round robin over the tenants, until stopped. */
function ingestLoop(t: TestApp, tenants: string[]): { stop(): Promise<number> } {
  let running = true;
  let batches = 0;
  const loop = (async () => {
    while (running) {
      await ingest(t, tenants[batches % tenants.length], 25);
      batches += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return batches;
    },
  };
}

/** What PostgreSQL holds per tenant for the tables the drill checks, as the superuser sees it. */
async function pgState(sql: Client): Promise<Record<string, unknown[]>> {
  const state: Record<string, unknown[]> = {};
  for (const [table, order] of [
    ['users', 'id'],
    ['api_keys', 'id'],
    ['dashboards', 'id'],
    ['audit_log', 'id'],
    ['tenants', 'id'],
  ]) {
    state[table] = (await sql.query(`SELECT * FROM ${table} ORDER BY ${order}`)).rows;
  }
  return state;
}

async function storedIds(tenantId: string): Promise<string[]> {
  const ch = dr.clickhouse();
  try {
    const result = await ch.query({
      // ClickHouse 18.16 has no query parameters; the id is a UUID this test got from the API.
      query: `SELECT toString(event_id) AS id FROM ${dr.database}.events FINAL WHERE tenant_id = '${uuid(tenantId)}'`,
      format: 'JSONEachRow',
    });
    return (await result.json<{ id: string }>()).map((row) => row.id).sort();
  } finally {
    await ch.close();
  }
}

async function chScalar(query: string): Promise<string> {
  const ch = dr.clickhouse();
  try {
    return (await (await ch.query({ query, format: 'TabSeparated' })).text()).trim();
  } finally {
    await ch.close();
  }
}

function uuid(value: string): string {
  if (!/^[0-9a-f-]{36}$/.test(value)) throw new Error(`not a UUID: ${value}`);
  return value;
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('disaster recovery drill: back up under load, lose the data, restore, replay', () => {
  let t: TestApp | undefined;
  let tenants: string[] = [];
  let expected: Record<string, unknown[]> = {};
  let lostUserEmail = '';
  let backupId = '';
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await work();
    } finally {
      timings[name] = (Date.now() - start) / 1000;
    }
  };

  beforeAll(async () => {
    await time('create stack', () => dr.create());
    t = await createTestApp({ env: appEnv() });
  }, 240_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await dr.destroy();
    await pitr.destroy();
    // Phase times, so a slower drill shows in the test log.
    process.stdout.write(`disaster-recovery drill phases (s): ${JSON.stringify(timings)}\n`);
  }, 120_000);

  it('restores every accepted event exactly once and PostgreSQL as at the recovery point', async () => {
    const app = t!;
    // Three tenants with users, keys and a dashboard each.
    for (let i = 0; i < 3; i += 1) {
      const tenant = await createTenant(app.http);
      tenants.push(tenant.id);
      const owner = bearer(tenantToken(tenant.id));
      await app.http
        .post('/v1/users')
        .set(owner)
        .send({ email: `analyst${i}@drill.example`, role: 'analyst', password: 'drill passphrase' })
        .expect(201);
      await app.http
        .post('/v1/api-keys')
        .set(owner)
        .send({ name: 'ingest', scopes: ['events:write'] })
        .expect(201);
      await app.http
        .post('/v1/dashboards')
        .set(owner)
        .send({ name: `Drill ${i}`, widgets: [{ kind: 'timeseries', options: { range_days: 2 } }] })
        .expect(201);
    }
    tenants = [...tenants];

    // A: a known stream, stored.
    for (const tenant of tenants) await ingest(app, tenant, 200);
    const storeCount = async (): Promise<number> =>
      Number(await chScalar(`SELECT count() FROM ${dr.database}.events FINAL`));
    expect(
      await eventually(storeCount, sum(tenants.map((id) => ledger.get(id)!.size)), 30_000),
    ).toBe(sum(tenants.map((id) => ledger.get(id)!.size)));

    // B: the backup runs while events keep flowing.
    const during = ingestLoop(app, tenants);
    const created = await time('backup', () =>
      dr.script('scripts/backup.sh', ['create', '--json']),
    );
    backupId = (JSON.parse(created.trim().split('\n').at(-1)!) as { id: string }).id;
    const backupStartedAt = (
      JSON.parse(readFileSync(`${dr.backupDir}/backups/${backupId}/manifest.json`, 'utf8')) as {
        started_at: string;
      }
    ).started_at;
    // C: more events and PostgreSQL changes after the backup; archived, so inside the recovery point.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await during.stop();
    const owner0 = bearer(tenantToken(tenants[0]));
    await app.http
      .post('/v1/users')
      .set(owner0)
      .send({ email: 'after-backup@drill.example', role: 'viewer', password: 'drill passphrase' })
      .expect(201);
    await app.http
      .post('/v1/dashboards')
      .set(bearer(tenantToken(tenants[1])))
      .send({ name: 'After backup', widgets: [{ kind: 'timeseries', options: { range_days: 2 } }] })
      .expect(201);
    for (const tenant of tenants) await ingest(app, tenant, 100);
    await dr.archiveNow();
    const sql = await dr.superuser();
    try {
      expected = await pgState(sql);
    } finally {
      await sql.end();
    }
    // D: events after the recovery point (in Kafka only once the stores are lost) and one
    // PostgreSQL change that never reaches the archive: the RPO window of the runbook.
    for (const tenant of tenants) await ingest(app, tenant, 100);
    lostUserEmail = `lost-${randomUUID().slice(0, 8)}@drill.example`;
    await app.http
      .post('/v1/users')
      .set(owner0)
      .send({ email: lostUserEmail, role: 'viewer', password: 'drill passphrase' })
      .expect(201);
    const accepted = sum(tenants.map((id) => ledger.get(id)!.size));
    expect(await eventually(storeCount, accepted, 30_000)).toBe(accepted);
    await app.close(); // the consumer commits what it stored
    t = undefined;

    // The disaster, then the restore onto the emptied folder.
    await time('lose data', () => dr.loseData());
    const recordPath = (
      await time('restore', () => dr.script('scripts/restore.sh', ['--to', 'latest']))
    )
      .trim()
      .split('\n')
      .at(-1)!;
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as {
      run: string;
      stores: string[];
      kafka_report: string | null;
    };
    expect(record.run).toBe(backupId);
    expect(record.stores).toEqual(['postgres', 'clickhouse']);
    expect(record.kafka_report).not.toBeNull();

    // The replay marks are in before the app starts: replayed events are not metered twice.
    const marks = await dr.superuser();
    try {
      const { rows } = await marks.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM ingestion_replay_marks WHERE topic = $1',
        [kafka.KAFKA_EVENTS_TOPIC],
      );
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await marks.end();
    }
    // The snapshot lacks what came after it: only the replay can bring those events back.
    const snapshotCount = await storeCount();
    expect(snapshotCount).toBeGreaterThan(0);
    expect(snapshotCount).toBeLessThan(accepted);

    // The app comes back and the consumer replays from the backup's offsets.
    t = await createTestApp({ env: appEnv() });
    await time('replay', async () => {
      expect(await eventually(storeCount, accepted, 60_000)).toBe(accepted);
    });

    // Then the reconciliation the runbook orders after the catch-up (purges, erasures, retention,
    // computed Redis keys, the isolation gate): nothing to undo here, and it must say so.
    const reconciled = JSON.parse(
      await time('reconcile', () =>
        dr.cli('src/cli/reconcile-restore.ts', ['--since', backupStartedAt]),
      ),
    ) as Record<string, unknown>;
    // The replay is over: its marks go (left, they would exempt a recreated topic's events).
    expect(reconciled).toMatchObject({ ok: true, replay_marks: { cleared: expect.any(Number) } });
    expect((reconciled.replay_marks as { cleared: number }).cleared).toBeGreaterThan(0);

    // Every accepted event exactly once, under its own tenant only.
    for (const tenant of tenants) {
      expect(await storedIds(tenant)).toEqual([...ledger.get(tenant)!].sort());
    }
    expect(
      Number(
        await chScalar(
          `SELECT count() FROM ${dr.database}.events WHERE tenant_id NOT IN (${tenants.map((id) => `'${id}'`).join(',')})`,
        ),
      ),
    ).toBe(0);
    // The rollup the view keeps: restored from its own snapshot, then fed by the replay.
    const daily = await chScalar(
      `SELECT tenant_id, uniqExactMerge(events) FROM ${dr.database}.events_daily GROUP BY tenant_id ORDER BY toString(tenant_id)`,
    );
    expect(daily).toBe(
      [...tenants]
        .sort()
        .map((id) => `${id}\t${ledger.get(id)!.size}`)
        .join('\n'),
    );
    // Raw rows once merged: a re-delivered event left no second row behind.
    await chScalar(`OPTIMIZE TABLE ${dr.database}.events FINAL`);
    expect(Number(await chScalar(`SELECT count() FROM ${dr.database}.events`))).toBe(accepted);

    // PostgreSQL as at the recovery point: the changes after the backup are there (WAL replayed
    // past the base backup), the one after the recovery point is not.
    const restored = await dr.superuser();
    try {
      const state = await pgState(restored);
      expect(state.users).toEqual(expected.users);
      expect(state.api_keys).toEqual(expected.api_keys);
      expect(state.dashboards).toEqual(expected.dashboards);
      expect(state.audit_log).toEqual(expected.audit_log);
      expect(state.tenants).toEqual(expected.tenants);
      expect((state.users as { email: string }[]).map((user) => user.email)).toContain(
        'after-backup@drill.example',
      );
      expect((state.users as { email: string }[]).map((user) => user.email)).not.toContain(
        lostUserEmail,
      );
    } finally {
      await restored.end();
    }
    // The run is listed and verifies, deeply: restored again into a scratch folder on free ports
    // (isolation gate included) and removed.
    expect(await dr.script('scripts/backup.sh', ['list'])).toContain(backupId);
    await time('deep verify', () => dr.script('scripts/backup.sh', ['verify', '--deep', backupId]));
    const verified = JSON.parse(
      readFileSync(`${dr.backupDir}/backups/${backupId}/verified.json`, 'utf8'),
    ) as { ok: boolean; deep: boolean };
    expect(verified).toMatchObject({ ok: true, deep: true });
  }, 600_000);

  it('restores to just before a DELETE by the owner role and brings the rows back', async () => {
    // A fresh base backup on the restored server's new timeline, as the runbook says.
    await time('second backup', () => dr.script('scripts/backup.sh', ['create']));
    const owner = await dr.superuser();
    let before: unknown[];
    let target: string;
    try {
      before = (
        await owner.query('SELECT * FROM dashboards WHERE tenant_id = $1 ORDER BY id', [tenants[1]])
      ).rows;
      expect(before.length).toBeGreaterThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      target = (
        await owner.query<{ now: Date }>('SELECT clock_timestamp() AS now')
      ).rows[0].now.toISOString();
      await new Promise((resolve) => setTimeout(resolve, 1100));
    } finally {
      await owner.end();
    }
    // The mistake, made the way an operator would: as the owner role, scoped to one tenant.
    const { Client } = await import('pg');
    const ownerRole = new Client({
      host: '127.0.0.1',
      port: dr.ports.pg,
      database: dr.database,
      user: process.env.DATABASE_OWNER_USER,
      password: process.env.DATABASE_OWNER_PASSWORD,
    });
    await ownerRole.connect();
    try {
      await ownerRole.query('BEGIN');
      await ownerRole.query("SELECT set_config('app.tenant_id', $1, true)", [tenants[1]]);
      const deleted = await ownerRole.query('DELETE FROM dashboards');
      await ownerRole.query('COMMIT');
      expect(deleted.rowCount).toBe(before.length);
    } finally {
      await ownerRole.end();
    }
    await dr.archiveNow();

    // Restored beside the live one (never over it), PostgreSQL only, to the moment before.
    await pitr.destroy();
    const recordPath = (
      await time('pitr restore', () =>
        // From the live stack's backups, into a folder of its own.
        pitr.script('scripts/restore.sh', ['--to', target, '--only', 'postgres', '--no-kafka'], {
          env: { BACKUP_DIR: dr.backupDir },
        }),
      )
    )
      .trim()
      .split('\n')
      .at(-1)!;
    expect(readFileSync(recordPath, 'utf8')).toContain('"postgres"');
    const back = await pitr.superuser(dr.database);
    try {
      const rows = (
        await back.query('SELECT * FROM dashboards WHERE tenant_id = $1 ORDER BY id', [tenants[1]])
      ).rows;
      expect(rows).toEqual(before);
    } finally {
      await back.end();
    }
    const live = await dr.superuser();
    try {
      expect(
        (
          await live.query('SELECT count(*)::int AS n FROM dashboards WHERE tenant_id = $1', [
            tenants[1],
          ])
        ).rows[0].n,
      ).toBe(0);
    } finally {
      await live.end();
    }
  }, 600_000);
});
