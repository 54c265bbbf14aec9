import { randomBytes } from 'node:crypto';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { stringLiteral, uuidLiteral } from '../../src/ingestion/store/clickhouse/sql-literal';

/**
 * ClickHouse 18.16 has no query parameters, so values reach SQL as literals: every string must
 * come back from the real server exactly as it went in, whatever bytes it holds.
 */
describe('ClickHouse literals (fuzzed against the real server)', () => {
  let store: ClickHouseEventStore;
  beforeAll(() => {
    store = new ClickHouseEventStore(process.env.CLICKHOUSE_URL!, process.env.CLICKHOUSE_DATABASE!);
  });
  afterAll(() => store.close());

  const roundTrip = async (values: string[]): Promise<string[]> => {
    const rows = await store.select<{ i: number | string; v: string }>(
      values
        .map((value, i) => `SELECT ${i} AS i, ${stringLiteral(value)} AS v`)
        .join(' UNION ALL '),
    );
    return rows.sort((a, b) => Number(a.i) - Number(b.i)).map((row) => row.v);
  };

  it('returns hand-picked nasty strings unchanged', async () => {
    const nasty = [
      "'",
      "\\'",
      '\\',
      "a'; DROP TABLE events; --",
      "\\\\'; SELECT 1; --",
      'line\nbreak\rreturn\ttab',
      'nul\u0000byte',
      'O\'Brien \\ "quoted"',
      '日本語 🎉 Ünïcödé',
      '',
    ];
    expect(await roundTrip(nasty)).toEqual(nasty);
  });

  it('returns 300 random strings of quotes, backslashes, control and multi-byte characters unchanged', async () => {
    const alphabet = [
      "'",
      '\\',
      '"',
      '\n',
      '\r',
      '\t',
      '\u0000',
      'a',
      'Z',
      '0',
      ' ',
      ';',
      '-',
      '/',
      '*',
      'é',
      '€',
      '😀',
      '{',
      '}',
    ];
    const values = Array.from({ length: 300 }, () =>
      Array.from(
        randomBytes(1 + (randomBytes(1)[0] % 24)),
        (byte) => alphabet[byte % alphabet.length],
      ).join(''),
    );
    for (let i = 0; i < values.length; i += 50) {
      const chunk = values.slice(i, i + 50);
      expect(await roundTrip(chunk)).toEqual(chunk);
    }
  });

  it('refuses anything but a UUID where a tenant id goes', () => {
    expect(() => uuidLiteral("x') OR 1=1 --")).toThrow();
    expect(uuidLiteral('6F1C1F5E-3B7A-4C55-9A57-2F8F7F1C0A11')).toBe(
      "toUUID('6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11')",
    );
  });
});
