import { clickhouseClusterOf, clickhouseClusterProblem } from './clickhouse-cluster-settings';
import { shardOf } from './shard-of';

describe('shardOf', () => {
  // halfMD5(toString(toUUID(id))) as ClickHouse 18.16.1 answers it (SELECT on the local server):
  // the app's shard must be the server's sharding key modulo the shard count.
  const pinned: [string, bigint][] = [
    ['3f2504e0-4f89-11d3-9a0c-0305e82c3301', 6234746988925056343n],
    ['00000000-0000-0000-0000-000000000001', 14512157033778129088n],
    ['c56a4180-65aa-42ec-a945-5fd21dec0538', 5155370506558688762n],
  ];

  it.each(pinned)('puts %s where halfMD5 %% shards does', (id, halfMd5) => {
    for (const shards of [1, 2, 3, 5]) {
      expect(shardOf(id, shards)).toBe(Number(halfMd5 % BigInt(shards)));
    }
  });

  it('reads an upper-case id as ClickHouse prints it (lower case)', () => {
    expect(shardOf('C56A4180-65AA-42EC-A945-5FD21DEC0538', 3)).toBe(2);
  });

  it('refuses a shard count that is not a positive integer', () => {
    expect(() => shardOf('3f2504e0-4f89-11d3-9a0c-0305e82c3301', 0)).toThrow('shard count');
    expect(() => shardOf('3f2504e0-4f89-11d3-9a0c-0305e82c3301', 1.5)).toThrow('shard count');
  });
});

describe('the cluster settings', () => {
  const urls = 'http://127.0.0.1:58123,http://127.0.0.1:58223/';

  it('reads the nodes in order, without a trailing slash', () => {
    expect(
      clickhouseClusterOf({ CLICKHOUSE_CLUSTER: 'tenantry', CLICKHOUSE_NODE_URLS: urls }),
    ).toEqual({ name: 'tenantry', nodeUrls: ['http://127.0.0.1:58123', 'http://127.0.0.1:58223'] });
    expect(clickhouseClusterOf({ CLICKHOUSE_NODE_URLS: urls })).toBeUndefined();
  });

  it('names what is missing or wrong', () => {
    const url = 'http://127.0.0.1:58123';
    expect(clickhouseClusterProblem({ CLICKHOUSE_URL: url, CLICKHOUSE_NODE_URLS: urls })).toMatch(
      /CLICKHOUSE_CLUSTER: is missing/,
    );
    expect(
      clickhouseClusterProblem({ CLICKHOUSE_CLUSTER: 'tenantry', CLICKHOUSE_NODE_URLS: urls }),
    ).toMatch(/CLICKHOUSE_URL: is missing/);
    expect(
      clickhouseClusterProblem({
        CLICKHOUSE_URL: url,
        CLICKHOUSE_CLUSTER: 'tenantry',
        CLICKHOUSE_NODE_URLS: `${url},${url}/`,
      }),
    ).toMatch(/names a server twice/);
    expect(
      clickhouseClusterProblem({
        CLICKHOUSE_URL: url,
        CLICKHOUSE_CLUSTER: 'tenantry',
        CLICKHOUSE_NODE_URLS: urls,
      }),
    ).toBeNull();
    expect(clickhouseClusterProblem({ CLICKHOUSE_URL: url })).toBeNull();
  });
});
