import { runWithQueryPriority } from '../../src/common/query-priority';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { testEnvironment } from '../support/stack-env';
import { availableParallelism } from 'node:os';

/**
 * ClickHouse query priority (README, "Fair analytics"): reads in the background priority run as
 * the low-priority reader, whose profile the server pauses while a normal read runs. Needs the
 * stack's third ClickHouse user (scripts/stack.sh up renders it into users.xml).
 */
describe('ClickHouse query priority', () => {
  const env = testEnvironment();
  let store: ClickHouseEventStore;
  const priority = "SELECT value FROM system.settings WHERE name = 'priority'";
  const settingOf = async () => (await store.select<{ value: string }>(priority))[0]?.value;

  beforeAll(() => {
    if (!env.CLICKHOUSE_READER_BACKGROUND_USER)
      throw new Error(
        'the stack has no CLICKHOUSE_READER_BACKGROUND_USER: run `scripts/stack.sh up clickhouse`',
      );
    store = new ClickHouseEventStore(env.CLICKHOUSE_URL, env.CLICKHOUSE_DATABASE, {
      writer: { username: env.CLICKHOUSE_WRITER_USER, password: env.CLICKHOUSE_WRITER_PASSWORD },
      reader: { username: env.CLICKHOUSE_READER_USER, password: env.CLICKHOUSE_READER_PASSWORD },
      background_reader: {
        username: env.CLICKHOUSE_READER_BACKGROUND_USER,
        password: env.CLICKHOUSE_READER_BACKGROUND_PASSWORD,
      },
    });
  });

  afterAll(() => store?.close());

  it('reads at the reader priority (1) unless told, and at the background one (10) when told', async () => {
    expect(await settingOf()).toBe('1');
    expect(await runWithQueryPriority('background', settingOf)).toBe('10');
    expect(await runWithQueryPriority('normal', settingOf)).toBe('1');
    // Both non-zero: 0 would mean no priority, and nothing would yield.
  });

  it('keeps the background reader read-only and as bounded as the reader', async () => {
    const limits = `SELECT name, value FROM system.settings WHERE name IN
      ('readonly', 'max_execution_time', 'max_memory_usage', 'max_rows_to_read') ORDER BY name`;
    const normal = await store.select(limits);
    expect(normal).toHaveLength(4);
    expect(await runWithQueryPriority('background', () => store.select(limits))).toEqual(normal);
    await expect(
      runWithQueryPriority('background', () => store.select('SELECT 1 SETTINGS priority = 1')),
    ).rejects.toThrow(/readonly/i);
  });

  it('runs a background read on half the cores, leaving the rest to normal ones', async () => {
    const threads = () =>
      store
        .select<{ value: string }>("SELECT value FROM system.settings WHERE name = 'max_threads'")
        .then((rows) => Number(rows[0]?.value));
    const half = Math.max(1, Math.floor(availableParallelism() / 2));
    expect(await runWithQueryPriority('background', threads)).toBe(half);
    // The normal reader keeps the server's own figure (every core).
    expect(await threads()).toBeGreaterThanOrEqual(availableParallelism());
  });

  it('lists the background reader in the users it describes, at a priority below the reader', async () => {
    const users = await store.describeUsers();
    expect(users.map((u) => u.connection)).toEqual(['writer', 'reader', 'background_reader']);
    expect(users[2]).toMatchObject({
      user: env.CLICKHOUSE_READER_BACKGROUND_USER,
      settings: { readonly: '1', priority: '10' },
    });
  });
});
