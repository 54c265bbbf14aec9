import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventFilter } from '../../src/analytics/query/analytics-query';
import { ClickHouseAnalyticsStore } from '../../src/analytics/stores/clickhouse-analytics.store';
import { selectWithinRowsCap } from '../../src/analytics/stores/clickhouse-rows-watch';
import { StoreLimitExceededException } from '../../src/analytics/stores/store-limits';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ClickHouseEventDeletion } from '../../src/ingestion/store/clickhouse-event-deletion';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { shardOf } from '../../src/ingestion/store/clickhouse/shard-of';
import { eventRow } from '../support/analytics-stores';
import { ClickHouseTestCluster } from '../support/clickhouse-cluster';
import { anEvent } from '../support/ingestion';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ARTIFACT = join(__dirname, '..', 'artifacts', 'clickhouse-cluster-rows.json');

/**
 * Issue 18, item 4: the ClickHouse event store on a two-shard cluster (scripts/stack.sh,
 * CLICKHOUSE_NODES=2, in a stack folder of this test's own). The parity suites run on it too
 * (test/analytics/*-parity); this file checks what only a cluster has: where each tenant's rows
 * live, that the server routes as the app does, that deletes reach them, that the reader's
 * limits hold on every shard, that the rows cap and KILL QUERY work across shards, and how many
 * rows each tenant query reads beside the single server (written to test/artifacts).
 */
describe('ClickHouse cluster: each tenant on one shard, reads through Distributed tables', () => {
  const cluster = new ClickHouseTestCluster();
  const database = process.env.CLICKHOUSE_DATABASE!;
  let store: ClickHouseEventStore;
  let single: ClickHouseEventStore;
  const now = Math.floor(Date.now() / HOUR) * HOUR;

  /** `count` events of a tenant over the last 3 days, from 30 users, 3 types, 2 countries. */
  const eventsOf = (tenantId: string, count: number): EventRow[] =>
    Array.from({ length: count }, (_, i) =>
      eventRow(
        tenantId,
        ['signup', 'page_view', 'purchase'][i % 3],
        new Date(now - ((i * 7_919) % (3 * DAY)) - 1000),
        `user-${i % 30}`,
        { country: i % 4 === 0 ? 'DE' : 'US' },
      ),
    );

  /** Each node's rows per tenant in its local events table, for these tenants. */
  const rowsPerNode = async (tenants: string[]): Promise<Map<string, number>[]> => {
    const list = tenants.map((id) => `toUUID('${id}')`).join(', ');
    return Promise.all(
      [0, 1].map(async (node) => {
        const text = await cluster.query(
          node,
          `SELECT toString(tenant_id) AS tenant, count() AS n FROM ${database}.events
            WHERE tenant_id IN (${list}) GROUP BY tenant FORMAT JSONEachRow`,
        );
        const rows = text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { tenant: string; n: string });
        return new Map(rows.map((row) => [row.tenant, Number(row.n)]));
      }),
    );
  };

  beforeAll(async () => {
    await cluster.up();
    store = cluster.store(database);
    single = new ClickHouseEventStore(process.env.CLICKHOUSE_URL!, database);
    await store.prepare();
    await single.prepare();
  });

  afterAll(async () => {
    await store?.close();
    await single?.close();
    await cluster.down();
  });

  it('puts every tenant on exactly one shard, the one shardOf names, and counts re-deliveries once', async () => {
    const tenants = Array.from({ length: 50 }, () => randomUUID());
    const rows = tenants.flatMap((tenant) => eventsOf(tenant, 40));
    await store.write(rows);
    // The same batch again (a retried write): FINAL through events_dist folds it per shard.
    await store.write(rows);
    const [first, second] = await rowsPerNode(tenants);
    for (const tenant of tenants) {
      const expected = shardOf(tenant, 2);
      expect({ tenant, shard: first.has(tenant) ? 0 : second.has(tenant) ? 1 : null }).toEqual({
        tenant,
        shard: expected,
      });
      expect(first.has(tenant) && second.has(tenant)).toBe(false);
    }
    expect(first.size + second.size).toBe(50);
    // 50 tenants on one shard alone would be a 1 in 2^49 chance: the hash spreads them.
    expect(first.size).toBeGreaterThan(0);
    expect(second.size).toBeGreaterThan(0);
    for (const tenant of tenants.slice(0, 5)) {
      expect(await store.countEvents(tenant)).toBe(40);
      expect(await store.countEvents(tenant, 'purchase')).toBe(13);
    }
  });

  it("routes by events_dist's own sharding key to the shard the app writes to (the server's halfMD5 % 2)", async () => {
    // Not an insert into events_dist itself: 18.16 sends a Distributed insert's MATERIALIZED
    // columns along (schema step 7), and the shards refuse them; the app writes to the shard's
    // local table anyway. A probe table pair with the very sharding key events_dist was made
    // with shows where the server routes each tenant.
    const [{ create }] = (
      await cluster.query(
        0,
        `SELECT create_table_query AS create FROM system.tables
          WHERE database = '${database}' AND name = 'events_dist' FORMAT JSONEachRow`,
      )
    )
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { create: string });
    const engine = /Distributed\((\w+), (\w+), events, (.+)\)\s*$/.exec(create);
    expect(engine?.[3]).toBe('halfMD5(toString(tenant_id))');
    const [, clusterName, db, shardingKey] = engine!;
    for (const node of [0, 1]) {
      await cluster.query(
        node,
        `CREATE TABLE ${database}.shard_probe (tenant_id UUID) ENGINE = MergeTree() ORDER BY tenant_id`,
      );
    }
    await cluster.query(
      0,
      `CREATE TABLE ${database}.shard_probe_dist AS ${database}.shard_probe
         ENGINE = Distributed(${clusterName}, ${db}, shard_probe, ${shardingKey})`,
    );
    try {
      const tenants = Array.from({ length: 12 }, () => randomUUID());
      const ids = tenants.map((id) => `'${id}'`).join(', ');
      // Synchronously (insert_distributed_sync=1): else 18.16 queues it on this node's disk.
      await cluster.query(
        0,
        `INSERT INTO ${database}.shard_probe_dist (tenant_id)
         SELECT toUUID(id) FROM (SELECT arrayJoin([${ids}]) AS id)`,
        { insert_distributed_sync: '1' },
      );
      const onNode = await Promise.all(
        [0, 1].map(
          async (node) =>
            new Set(
              (
                await cluster.query(
                  node,
                  `SELECT toString(tenant_id) FROM ${database}.shard_probe FORMAT TabSeparated`,
                )
              )
                .split('\n')
                .filter(Boolean),
            ),
        ),
      );
      for (const tenant of tenants) {
        expect({
          tenant,
          shard: onNode[0].has(tenant) ? 0 : onNode[1].has(tenant) ? 1 : null,
        }).toEqual({ tenant, shard: shardOf(tenant, 2) });
      }
    } finally {
      await cluster.query(0, `DROP TABLE IF EXISTS ${database}.shard_probe_dist`);
      for (const node of [0, 1]) {
        await cluster.query(node, `DROP TABLE IF EXISTS ${database}.shard_probe`);
      }
    }
  });

  it('refuses to start on node URLs out of shard order', async () => {
    const reversed = new ClickHouseEventStore(
      cluster.nodeUrls[1],
      database,
      {},
      {
        name: 'tenantry',
        nodeUrls: [...cluster.nodeUrls].reverse(),
      },
    );
    try {
      await expect(reversed.prepare()).rejects.toThrow(
        `${cluster.nodeUrls[1]} is shard 2 of 2, but CLICKHOUSE_NODE_URLS lists it as shard 1 of 2`,
      );
    } finally {
      await reversed.close();
    }
  });

  it("runs a tenant's purge, erasure and retention on its shard", async () => {
    // Two tenants of each shard among those kept, so retention's cut-off runs on both.
    const tenants: string[] = [randomUUID(), randomUUID()];
    for (const shard of [0, 1]) {
      for (let found = 0; found < 2;) {
        const id = randomUUID();
        if (shardOf(id, 2) !== shard) continue;
        tenants.push(id);
        found++;
      }
    }
    await store.write(tenants.flatMap((tenant) => eventsOf(tenant, 60)));
    const deletion = new ClickHouseEventDeletion(store);
    const [purged, erased, ...kept] = tenants;

    expect((await store.purgeTenant(purged)).events).toBe(60);
    expect(await store.countEvents(purged)).toBe(0);

    const erasure = await deletion.eraseUser(erased, 'user-3', new Date());
    expect(erasure.events).toBe(2);
    expect(await store.countEvents(erased)).toBe(58);

    // One cut-off for tenants of both shards: each shard deletes its own tenants' old rows.
    const cutoff = new Date(now - DAY).toISOString().slice(0, 10);
    const before = (tenant: string) =>
      eventsOf(tenant, 60).filter((row) => row.timestamp.toISOString().slice(0, 10) < cutoff)
        .length;
    const outcome = await deletion.deleteBefore(kept, cutoff);
    expect(outcome.events).toBe(kept.reduce((sum, tenant) => sum + before(tenant), 0));
    for (const tenant of kept) expect(await store.countEvents(tenant)).toBe(60 - before(tenant));
    const [first, second] = await rowsPerNode([purged]);
    expect(first.get(purged) ?? 0).toBe(0);
    expect(second.get(purged) ?? 0).toBe(0);
  });

  it("holds the reader's readonly and limits on every shard, and refuses its writes", async () => {
    const probe = `${database}.settings_probe`;
    for (const node of store.allNodes) {
      await node.writerCommand(
        `CREATE TABLE IF NOT EXISTS ${probe} AS system.settings
           ENGINE = Distributed(tenantry, system, settings)`,
      );
    }
    try {
      const sql = `SELECT name, value FROM ${probe}
                    WHERE name IN ('readonly', 'max_rows_to_read', 'max_execution_time')
                    ORDER BY name, value`;
      // One row per shard and setting: the local shard's and the remote one's, which runs as
      // tenantry_cluster (readonly=0 in its own profile) with the reader's settings applied.
      const asReader = await store.select<{ name: string; value: string }>(sql);
      expect(asReader).toEqual([
        { name: 'max_execution_time', value: '30' },
        { name: 'max_execution_time', value: '30' },
        { name: 'max_rows_to_read', value: '2000000' },
        { name: 'max_rows_to_read', value: '2000000' },
        { name: 'readonly', value: '1' },
        { name: 'readonly', value: '1' },
      ]);
      // As the writer (default profile) the same probe says readonly=0 on both: it reports the
      // caller's settings, not a constant.
      const asWriter = await store.writerSelect<{ name: string; value: string }>(sql);
      expect(asWriter.filter((row) => row.name === 'readonly')).toEqual([
        { name: 'readonly', value: '0' },
        { name: 'readonly', value: '0' },
      ]);
      await expect(
        store.allNodes[0].reader.command({
          query: `INSERT INTO ${database}.events_dist (tenant_id, event_id, timestamp, event_type)
                  SELECT toUUID('${randomUUID()}'), generateUUIDv4(), now(), 'x'`,
        }),
      ).rejects.toThrow(/readonly/i);
    } finally {
      for (const node of store.allNodes) await node.writerCommand(`DROP TABLE IF EXISTS ${probe}`);
    }
  });

  describe('the rows cap on a cluster read', () => {
    const big = randomUUID();
    /** A tenant on the other shard: its id routes a read to the other server as initiator. */
    const elsewhere = (() => {
      for (;;) {
        const id = randomUUID();
        if (shardOf(id, 2) !== shardOf(big, 2)) return id;
      }
    })();
    // A read of about 11 s: 15 µs of sleep per row of the tenant's 1,500,000 on two threads,
    // about 1 s per block of 65,536 rows. Long beside the kill's reach (a shard stops between
    // blocks: 1.7-2.1 s measured), so the budget below can be wide and still prove the kill.
    // Not sleep(): a constant, 18.16 runs it at every analysis of the query, on each server,
    // before reading anything.
    const TENANT_ROWS = 1_500_000;
    const slowSql = () =>
      `SELECT count() AS n FROM (SELECT sleepEachRow(0.000015) FROM ${database}.events_dist
        WHERE tenant_id = toUUID('${big}'))`;

    beforeAll(async () => {
      // Made on the tenant's shard itself: the rows' content does not matter here, only their
      // number, and 1.5M through the app's writer would take most of this file's time.
      await cluster.query(
        shardOf(big, 2),
        `INSERT INTO ${database}.events (tenant_id, event_id, timestamp, event_type, user_id)
         SELECT toUUID('${big}'), generateUUIDv4(), toDateTime(${Math.floor(now / 1000)}) - number % 86400,
                'page_view', concat('user-', toString(number % 30))
           FROM system.numbers LIMIT ${TENANT_ROWS}`,
      );
    });

    it("stops a read past the tenant's cap, counted on the tenant's shard as initiator", async () => {
      await expect(selectWithinRowsCap(store, slowSql(), 100_000, big)).rejects.toBeInstanceOf(
        StoreLimitExceededException,
      );
    });

    it('counts the remote shard’s rows on another initiator, and its kill ends the shard’s query', async () => {
      // The initiator holds none of the tenant's rows: only the remote shard's progress, which
      // 18.16 adds to the initial query's read_rows, can cross the cap.
      await expect(
        selectWithinRowsCap(store, slowSql(), 100_000, elsewhere),
      ).rejects.toBeInstanceOf(StoreLimitExceededException);
      // The leaf query on the tenant's shard (its text names the tenant; initial query on the
      // other server) is gone within 5 s of the kill, about 9 s before its own end.
      const owner = shardOf(big, 2);
      const killed = Date.now();
      let leftOn = -1;
      while (Date.now() - killed < 5_000) {
        leftOn = Number(
          await cluster.query(
            owner,
            `SELECT count() FROM system.processes
              WHERE is_initial_query = 0 AND query LIKE '%${big}%' FORMAT TSV`,
          ),
        );
        if (leftOn === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log(`the shard's query ended ${Date.now() - killed} ms after the initiator's kill`);
      expect(leftOn).toBe(0);
    });
  });

  it('reads per tenant query about the rows the single server reads (reported)', async () => {
    const tenants = [randomUUID(), randomUUID()];
    const rows = [...eventsOf(tenants[0], 30_000), ...eventsOf(tenants[1], 3_000)];
    await store.write(rows);
    await single.write(rows);
    const report: { route: string; tenant_events: number; single: number; cluster: number }[] = [];
    for (const tenantId of tenants) {
      const filter: EventFilter = {
        tenantId,
        from: new Date(now - 3 * DAY),
        to: new Date(now + 1000),
        properties: [],
      };
      const routes: [string, (s: ClickHouseAnalyticsStore) => Promise<unknown>][] = [
        ['summary', (s) => s.summary(filter)],
        ['timeseries (events per hour)', (s) => s.timeseries(filter, 'events', 'hour', 'UTC')],
        ['breakdown (event type)', (s) => s.breakdown(filter, { kind: 'event_type' }, 10)],
        [
          'breakdown (property, filtered)',
          (s) =>
            s.breakdown(
              { ...filter, properties: [['country', 'DE']] },
              { kind: 'property', key: 'country' },
              10,
            ),
        ],
        [
          'funnel',
          (s) => s.funnel(filter, { steps: ['signup', 'purchase'], windowSeconds: DAY / 1000 }),
        ],
        ['retention', (s) => s.retention(filter, { cohortEvent: 'signup' }, 'day', 'UTC')],
      ];
      /** Active parts of both shards: merges may fold some while a query runs. */
      const partsOfShards = async () => {
        const counts = await Promise.all(
          [0, 1].map(async (node) =>
            Number(
              await cluster.query(
                node,
                `SELECT count() FROM system.parts
                  WHERE active AND database = '${database}' AND table = 'events' FORMAT TSV`,
              ),
            ),
          ),
        );
        return counts[0] + counts[1];
      };
      for (const [route, run] of routes) {
        const partsBefore = await partsOfShards();
        const [onSingle, onCluster] = await Promise.all(
          [single, store].map(async (events) => {
            const { reads, measured } = measuring(events);
            const answer = await run(new ClickHouseAnalyticsStore(measured, database));
            return {
              answer,
              rowsRead: reads.reduce((sum, n) => sum + n, 0),
              queries: reads.length,
            };
          }),
        );
        expect({ route, answer: onCluster.answer }).toEqual({ route, answer: onSingle.answer });
        // The other shard holds none of the tenant's rows: its primary index leaves at most
        // one granule (8,192 rows) per active part to read for each query; the tenant's own
        // shard may split its rows over other parts than the single server, each with its own
        // edge granule (the parts when the query started, or more if a merge's new part was
        // read). Beyond that, the cluster reads what the single server reads.
        const parts = Math.max(partsBefore, await partsOfShards());
        const bound = onSingle.rowsRead + onCluster.queries * 8_192 * parts;
        const read = { route, cluster: onCluster.rowsRead, bound };
        expect({ ...read, within: read.cluster <= bound }).toEqual({ ...read, within: true });
        report.push({
          route,
          tenant_events: rows.filter((row) => row.tenantId === tenantId).length,
          single: onSingle.rowsRead,
          cluster: onCluster.rowsRead,
        });
      }
    }
    mkdirSync(join(ARTIFACT, '..'), { recursive: true });
    writeFileSync(
      ARTIFACT,
      `${JSON.stringify({ measured_at: new Date().toISOString(), shards: 2, rows_read: report }, null, 2)}\n`,
    );
    console.log(
      `Rows read per tenant query, single server beside the 2-shard cluster (${ARTIFACT}):\n${table(report)}`,
    );
  });

  // Last: it stops a server of the cluster.
  describe('the app on the cluster (CLICKHOUSE_CLUSTER, CLICKHOUSE_NODE_URLS)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({
        env: {
          KAFKA_BROKERS: '',
          CLICKHOUSE_URL: cluster.nodeUrls[0],
          CLICKHOUSE_CLUSTER: 'tenantry',
          CLICKHOUSE_NODE_URLS: cluster.nodeUrls.join(','),
        },
      });
    });
    afterAll(() => t?.close());

    it("stores each tenant's events on its shard and answers its analytics through the cluster", async () => {
      const hour = 3_600_000;
      const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
      const tenants = [await createTenant(t.http), await createTenant(t.http)];
      for (const [i, tenant] of tenants.entries()) {
        await t.http
          .post('/v1/events')
          .set(bearer(tenantToken(tenant.id)))
          .send({
            events: Array.from({ length: 3 + i }, (_, k) =>
              anEvent({ user_id: `u${k % 2}`, timestamp: at((k + 1) * hour) }),
            ),
          })
          .expect(202);
      }
      const placed = await rowsPerNode(tenants.map((tenant) => tenant.id));
      for (const [i, tenant] of tenants.entries()) {
        expect(placed[shardOf(tenant.id, 2)].get(tenant.id)).toBe(3 + i);
        expect(placed[1 - shardOf(tenant.id, 2)].has(tenant.id)).toBe(false);
        const summary = await t.http
          .get('/v1/analytics/summary')
          .query({ from: at(24 * hour), to: at(-60_000) })
          .set(bearer(tenantToken(tenant.id)))
          .expect(200);
        expect(summary.body.metrics.events.value).toBe(3 + i);
        expect(summary.body.metrics.users.value).toBe(2);
      }
      // Operators see each shard's share (skew shows there).
      const metrics = (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200))
        .text;
      const written = (shard: number) =>
        Number(
          new RegExp(
            `^tenantry_clickhouse_shard_rows_written_total\\{[^}]*shard="${shard}"[^}]*\\} (\\d+)`,
            'm',
          ).exec(metrics)?.[1] ?? 0,
        );
      const expected = [0, 0];
      tenants.forEach((tenant, i) => (expected[shardOf(tenant.id, 2)] += 3 + i));
      expect([written(1), written(2)]).toEqual(expected);
    });

    it('reports each server in /health, and is down when one is', async () => {
      const healthy = await t.http.get('/health').expect(200);
      expect(healthy.body.info.clickhouse).toMatchObject({
        status: 'up',
        nodes: { [cluster.nodeUrls[0]]: 'up', [cluster.nodeUrls[1]]: 'up' },
      });
      await cluster.kill(1);
      const down = await t.http.get('/health').expect(503);
      expect(down.body.error.clickhouse.status).toBe('down');
      expect(JSON.stringify(down.body.error.clickhouse)).toContain(cluster.nodeUrls[1]);
    });
  });
});

/** The store with every read's rows_read (the JSON statistics) recorded. */
function measuring(store: ClickHouseEventStore): {
  reads: number[];
  measured: ClickHouseEventStore;
} {
  const reads: number[] = [];
  const measured = Object.create(store) as ClickHouseEventStore;
  measured.selectWithStatistics = async <T>(query: string, tenantId?: string) => {
    const result = await store.selectWithStatistics<T>(query, tenantId);
    reads.push(result.rowsRead);
    return result;
  };
  return { reads, measured };
}

function table(rows: { route: string; tenant_events: number; single: number; cluster: number }[]) {
  const lines = rows.map(
    (row) =>
      `${row.route.padEnd(32)} ${String(row.tenant_events).padStart(8)} ${String(row.single).padStart(9)} ${String(row.cluster).padStart(9)} ${(row.cluster / Math.max(row.single, 1)).toFixed(2).padStart(6)}x`,
  );
  return [
    `${'route'.padEnd(32)} ${'events'.padStart(8)} ${'single'.padStart(9)} ${'cluster'.padStart(9)}  ratio`,
    ...lines,
  ].join('\n');
}
