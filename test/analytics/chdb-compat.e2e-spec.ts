import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Answer, difference } from '../../scripts/chdb/answers';
import {
  distinctEventsPerTenant,
  FIXTURE_FROM,
  FIXTURE_TENANTS,
  FIXTURE_TO,
} from '../../scripts/chdb/fixture';
import { buildCompatRun, type CompatRun } from '../../scripts/chdb/generate';
import { PROBED_SETTINGS } from '../../scripts/chdb/probes';
import { clickhouseWhere } from '../../src/analytics/stores/clickhouse-analytics.store';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { shardOf } from '../../src/ingestion/store/clickhouse/shard-of';

const REPO_ROOT = resolve(__dirname, '../..');
const ARTIFACTS = join(REPO_ROOT, 'test/artifacts/chdb');
/** Differences accepted for now, each id with its reason. Starts empty; stale entries fail. */
const KNOWN_DIFFERENCES = join(__dirname, 'chdb-known-differences.json');

const run = promisify(execFile);

/**
 * Issue 18, item 7: the stack runs Debian's ClickHouse 18.16; production runs current releases.
 * chDB (PyPI chdb-core, ClickHouse 26.x in-process) gets the event store's DDL and every SQL
 * text the analytics adapter sends (every route, every filter set of scripts/chdb/corpus.ts,
 * rollup reads off and on) over the same fixture events, inserted in the same blocks; the
 * answers must equal the 18.16 server's, query by query. A few probes (texts the adapter would
 * send on current ClickHouse) are measured on both and written to test/artifacts/chdb/evidence.json
 * for docs/scaling.md ("Current ClickHouse").
 */
describe('ClickHouse 18.16 and current ClickHouse (chDB) answer alike', () => {
  const database = `${process.env.CLICKHOUSE_DATABASE!.replace(/_test$/, '')}_chdb_test`;
  let compat: CompatRun;
  let admin: ClickHouseClient;
  let writer: ClickHouseClient;
  let reader: ClickHouseClient;
  const old: Record<string, Answer> = {};
  let current: Record<string, Answer>;
  const timings: Record<string, number> = {};
  let oldVersion: string;
  let currentVersion: string;

  beforeAll(async () => {
    let started = Date.now();
    // The pinned chDB in a virtualenv under the stack folder (installed once, then reused).
    const { stdout } = await run('bash', ['scripts/chdb.sh'], {
      cwd: REPO_ROOT,
      timeout: 600_000,
    });
    const python = stdout.trim().split('\n').pop()!;
    timings.install_or_find_s = (Date.now() - started) / 1000;

    compat = await buildCompatRun(database);
    mkdirSync(ARTIFACTS, { recursive: true });
    const inputPath = join(ARTIFACTS, 'input.json');
    const outputPath = join(ARTIFACTS, 'chdb-answers.json');
    writeFileSync(inputPath, JSON.stringify(compat.input));

    // chDB works in its own process while the 18.16 server answers: one core each.
    started = Date.now();
    const chdb = run(python, [join(REPO_ROOT, 'scripts/chdb/run.py'), inputPath, outputPath], {
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    }).then(() => {
      timings.chdb_s = (Date.now() - started) / 1000;
    });
    chdb.catch(() => undefined);

    const url = process.env.CLICKHOUSE_URL!;
    const quiet = { log: { level: ClickHouseLogLevel.OFF } };
    admin = createClient({ url, ...quiet });
    const writerUser = {
      username: process.env.CLICKHOUSE_WRITER_USER!,
      password: process.env.CLICKHOUSE_WRITER_PASSWORD,
    };
    const readerUser = {
      username: process.env.CLICKHOUSE_READER_USER!,
      password: process.env.CLICKHOUSE_READER_PASSWORD,
    };
    writer = createClient({ url, ...writerUser, ...quiet });
    // As the app's reader: no client settings (readonly=1 refuses them).
    reader = createClient({
      url,
      ...readerUser,
      ...quiet,
      compression: { response: false, request: false },
    });
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    // The real store applies the real DDL and writes the fixture, one insert per batch.
    const store = new ClickHouseEventStore(url, database, { writer: writerUser });
    try {
      await store.prepare();
      oldVersion = await store.version();
      for (const batch of compat.batches) await store.write(batch);
      for (const statement of compat.input.maintenance) await admin.command({ query: statement });
    } finally {
      await store.close();
    }
    const oldStarted = Date.now();
    // Two at a time: the server has a core to itself while chDB takes the other.
    const queue = [...compat.corpus];
    const worker = async () => {
      for (let query = queue.shift(); query; query = queue.shift()) {
        old[query.id] = await ask(reader, query.sql);
      }
    };
    await Promise.all([worker(), worker()]);
    for (const probe of compat.probes) {
      old[probe.id] = await ask(probe.user === 'reader' ? reader : writer, probe.sql, probe.params);
    }
    timings.clickhouse_18_16_s = (Date.now() - oldStarted) / 1000;

    await chdb;
    const output = JSON.parse(readFileSync(outputPath, 'utf8')) as {
      version: string;
      answers: Record<string, Answer>;
    };
    currentVersion = output.version;
    current = output.answers;
  }, 900_000);

  afterAll(async () => {
    await admin?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await Promise.all([admin?.close(), writer?.close(), reader?.close()]);
  });

  it('runs the event store DDL and every analytics text on current ClickHouse with the answers of 18.16', () => {
    expect(currentVersion).toMatch(/^2\d\./);
    // A corpus of every route × filter set; a change that drops most of it fails here.
    expect(compat.corpus.length).toBeGreaterThan(500);

    // Every text runs on the server the app uses today.
    const failingOnOld = compat.corpus.filter((q) => old[q.id].error !== undefined);
    expect(failingOnOld.map((q) => `${q.id}: ${old[q.id].error}`)).toEqual([]);

    const known = JSON.parse(readFileSync(KNOWN_DIFFERENCES, 'utf8')) as Record<string, string>;
    const differences = new Map<string, string>();
    for (const query of compat.corpus) {
      const why = difference(query.sql, old[query.id], current[query.id] ?? { error: 'no answer' });
      if (why) differences.set(query.id, why);
    }
    const unexpected = [...differences].filter(([id]) => !(id in known));
    expect(unexpected.map(([id, why]) => `${id}: ${why}`)).toEqual([]);
    // An allowed difference that no longer differs (or whose query is gone) must be removed.
    const stale = Object.keys(known).filter((id) => !differences.has(id));
    expect(stale).toEqual([]);
  });

  it('compares real answers: the fixture counted right on both, most texts answering rows', () => {
    const expected = distinctEventsPerTenant(compat.batches);
    for (const tenantId of FIXTURE_TENANTS.slice(0, 2)) {
      // The summary's event count over the whole fixture: FINAL folds the re-deliveries.
      const where = clickhouseWhere({
        tenantId,
        from: FIXTURE_FROM,
        to: FIXTURE_TO,
        properties: [],
      });
      const sql = `SELECT count() AS events FROM ${database}.events FINAL WHERE ${where}`;
      const query = compat.corpus.find((q) => q.sql === sql);
      expect(query).toBeDefined();
      for (const answers of [old, current]) {
        expect(Number(answers[query!.id].data?.[0]?.[0])).toBe(expected.get(tenantId));
      }
    }
    const withRows = compat.corpus.filter((q) => (old[q.id].data?.length ?? 0) > 0);
    expect(withRows.length / compat.corpus.length).toBeGreaterThan(0.8);
  });

  it('measures what the adapter would switch to on current ClickHouse', () => {
    const value = (answers: Record<string, Answer>, id: string) =>
      Number(answers[id].data?.[0]?.[0]);
    const settings = (answers: Record<string, Answer>) =>
      Object.fromEntries(
        (answers['probe settings'].data ?? []).map(([name, v]) => [String(name), v]),
      );
    const evidence = {
      versions: {
        clickhouse_18_16: oldVersion,
        current: currentVersion,
      },
      settings: { clickhouse_18_16: settings(old), current: settings(current) },
      probes: Object.fromEntries(
        compat.probes.map((probe) => [
          probe.id,
          { clickhouse_18_16: summarise(old[probe.id]), current: summarise(current[probe.id]) },
        ]),
      ),
      corpus: { texts: compat.corpus.length, rows: compat.batches.flat().length },
      timings,
    };
    writeFileSync(join(ARTIFACTS, 'evidence.json'), JSON.stringify(evidence, null, 2));

    // 18.16 has none of the settings current ClickHouse offers the adapter; current has all.
    expect(Object.keys(settings(old))).toEqual([]);
    expect(Object.keys(settings(current)).sort()).toEqual([...PROBED_SETTINGS].sort());
    // Query parameters: refused by 18.16, the same answer as the escaped literal on current.
    expect(old['probe parameters'].error).toBeDefined();
    expect(value(current, 'probe parameters')).toBe(value(current, 'probe parameters literal'));
    expect(value(current, 'probe parameters')).toBeGreaterThan(0);
    // ILIKE: absent in 18.16; on current it counts what lower() LIKE counts.
    expect(old['probe ilike'].error).toMatch(/ilike|syntax/i);
    expect(value(current, 'probe ilike')).toBe(value(current, 'probe lower like'));
    expect(value(current, 'probe ilike')).toBeGreaterThan(0);
    // Window functions: absent in 18.16; on current the one-pass retention equals the JOIN.
    expect(old['probe retention window'].error).toBeDefined();
    expect(
      difference('', current['probe retention join'], current['probe retention window']),
    ).toBeNull();
    expect(
      difference('', old['probe retention join'], current['probe retention window']),
    ).toBeNull();
    // A per-query rows cap: 18.16's readonly reader may not set it; current stops the read.
    expect(old['probe rows cap'].error).toMatch(/readonly/i);
    expect(current['probe rows cap'].error).toMatch(/max_rows_to_read|TOO_MANY_ROWS/);
    // The cluster's sharding key: the app's shard for each tenant on both engines.
    const shards = (answers: Record<string, Answer>) => answers['probe shard key'].data ?? [];
    expect(shards(current)).toEqual(shards(old));
    expect(shards(old).length).toBeGreaterThan(1);
    for (const [tenant, ofTwo, ofThree] of shards(current)) {
      expect([Number(ofTwo), Number(ofThree)]).toEqual([
        shardOf(String(tenant), 2),
        shardOf(String(tenant), 3),
      ]);
    }
    // FINAL folds re-delivered rows on both: equal to the fixture's distinct ids.
    const distinct = [...distinctEventsPerTenant(compat.batches).values()].reduce((a, b) => a + b);
    for (const answers of [old, current]) {
      expect(Number(answers['probe raw and final counts'].data?.[0]?.[1])).toBe(distinct);
    }
  });
});

/** One query's answer as the 18.16 server gives it (FORMAT JSONCompact), or its error. */
async function ask(
  client: ClickHouseClient,
  sql: string,
  params?: Record<string, string>,
): Promise<Answer> {
  try {
    const result = await client.query({ query: sql, format: 'JSONCompact', query_params: params });
    const body = await result.json<unknown[]>();
    return {
      meta: body.meta,
      data: body.data,
      rows_read: body.statistics?.rows_read,
      elapsed: body.statistics?.elapsed,
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** An answer for the evidence file: its rows (a few), what it read and how long it took. */
function summarise(answer: Answer | undefined): unknown {
  if (!answer) return { error: 'no answer' };
  if (answer.error !== undefined) return { error: answer.error.split('\n')[0].slice(0, 300) };
  return {
    rows: (answer.data ?? []).slice(0, 5),
    row_count: answer.data?.length ?? 0,
    rows_read: Number(answer.rows_read ?? 0),
    elapsed_s: answer.elapsed,
  };
}
