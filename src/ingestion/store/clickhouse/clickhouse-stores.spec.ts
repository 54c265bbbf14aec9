import { ClickHouseEventStore } from '../clickhouse-event.store';
import { ClickHouseStores } from './clickhouse-stores';
import { clickhouseTargetOf } from './clickhouse-target';

describe('ClickHouseStores: one event store per placement target', () => {
  const users = { writer: { username: 'w' }, reader: { username: 'r' } };
  const cluster = { name: 'tenantry', nodeUrls: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] };
  let configured: ClickHouseEventStore;
  let stores: ClickHouseStores;

  beforeEach(() => {
    configured = new ClickHouseEventStore('http://127.0.0.1:1', 'tenantry', users, cluster);
    stores = new ClickHouseStores('http://127.0.0.1:1', users, cluster, configured);
  });
  afterEach(async () => {
    await stores.close();
    await configured.close();
  });

  it('answers the configured store for the configured target, and one store per other target', () => {
    expect(stores.forTarget({ cluster: 'tenantry', database: 'tenantry' })).toBe(configured);
    const silo = stores.forTarget({ cluster: 'tenantry', database: 'silo_1' });
    expect(silo).not.toBe(configured);
    expect(stores.forTarget({ cluster: 'tenantry', database: 'silo_1' })).toBe(silo);
    expect(silo.target).toEqual({ cluster: 'tenantry', database: 'silo_1' });
    expect(silo.clustered).toBe(true);
    expect(silo.nodeUrls).toEqual(cluster.nodeUrls);
  });

  it('puts a target without a cluster on the single server', () => {
    const single = stores.forTarget({ cluster: null, database: 'silo_2' });
    expect(single.clustered).toBe(false);
    expect(single.nodeUrls).toEqual(['http://127.0.0.1:1']);
  });

  it('refuses a cluster it has no servers for', () => {
    expect(() => stores.forTarget({ cluster: 'elsewhere', database: 'tenantry' })).toThrow(
      /elsewhere is not configured/,
    );
  });

  it("reads a placement's NULL cluster as the configured one", () => {
    const placement = { clickhouseCluster: null, clickhouseDatabase: 'tenantry' };
    expect(clickhouseTargetOf(placement, 'tenantry')).toEqual({
      cluster: 'tenantry',
      database: 'tenantry',
    });
    expect(clickhouseTargetOf(placement, undefined)).toEqual({
      cluster: null,
      database: 'tenantry',
    });
  });
});
