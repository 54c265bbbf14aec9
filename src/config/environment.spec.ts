import { validateEnvironment } from './environment';

const valid = {
  DATABASE_HOST: '127.0.0.1',
  DATABASE_PORT: '5432',
  DATABASE_NAME: 'tenantry',
  DATABASE_APP_USER: 'tenantry_app',
  DATABASE_APP_PASSWORD: 'secret',
  DATABASE_PLATFORM_USER: 'tenantry_platform',
  DATABASE_PLATFORM_PASSWORD: 'secret',
  JWT_SECRET: 'x'.repeat(32),
};

describe('validateEnvironment', () => {
  it('parses a complete environment and applies defaults', () => {
    const env = validateEnvironment(valid);
    expect(env.DATABASE_PORT).toBe(5432);
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_POOL_SIZE).toBe(10);
    expect(env.BASE_DOMAIN).toBe('tenantry.localhost');
    expect(env.CLICKHOUSE_URL).toBeUndefined();
    expect(env.HTTP_KEEP_ALIVE_SECONDS).toBe(65);
  });

  it('keeps idle connections 1 s to an hour, no longer', () => {
    expect(
      validateEnvironment({ ...valid, HTTP_KEEP_ALIVE_SECONDS: '120' }).HTTP_KEEP_ALIVE_SECONDS,
    ).toBe(120);
    expect(() => validateEnvironment({ ...valid, HTTP_KEEP_ALIVE_SECONDS: '0' })).toThrow(
      /HTTP_KEEP_ALIVE_SECONDS/,
    );
    expect(() => validateEnvironment({ ...valid, HTTP_KEEP_ALIVE_SECONDS: '3601' })).toThrow(
      /HTTP_KEEP_ALIVE_SECONDS/,
    );
  });

  it('takes a ClickHouse cluster only whole: name, node URLs and CLICKHOUSE_URL', () => {
    const cluster = {
      ...valid,
      CLICKHOUSE_URL: 'http://127.0.0.1:58123',
      CLICKHOUSE_CLUSTER: 'tenantry',
      CLICKHOUSE_NODE_URLS: 'http://127.0.0.1:58123,http://127.0.0.1:58223',
    };
    expect(validateEnvironment(cluster).CLICKHOUSE_NODE_URLS).toBe(cluster.CLICKHOUSE_NODE_URLS);
    expect(() => validateEnvironment({ ...cluster, CLICKHOUSE_NODE_URLS: '' })).toThrow(
      /CLICKHOUSE_NODE_URLS: is missing/,
    );
    expect(() =>
      validateEnvironment({ ...cluster, CLICKHOUSE_NODE_URLS: '127.0.0.1:58123' }),
    ).toThrow(/CLICKHOUSE_NODE_URLS: .*http/);
    expect(() => validateEnvironment({ ...cluster, CLICKHOUSE_CLUSTER: '' })).toThrow(
      /CLICKHOUSE_CLUSTER: is missing/,
    );
    expect(() => validateEnvironment({ ...cluster, CLICKHOUSE_URL: '' })).toThrow(
      /CLICKHOUSE_URL: is missing/,
    );
  });

  it('names a missing variable', () => {
    const { JWT_SECRET: _omitted, ...rest } = valid;
    expect(() => validateEnvironment(rest)).toThrow(/JWT_SECRET: is missing/);
  });

  it('names a malformed variable and says what is wrong', () => {
    expect(() => validateEnvironment({ ...valid, DATABASE_PORT: 'five' })).toThrow(
      /DATABASE_PORT: .*integer/,
    );
    expect(() => validateEnvironment({ ...valid, PLATFORM_ADMIN_PASSWORD: 'short' })).toThrow(
      /PLATFORM_ADMIN_PASSWORD: .*12 characters/,
    );
    expect(() => validateEnvironment({ ...valid, KAFKA_BROKERS: 'not a broker' })).toThrow(
      /KAFKA_BROKERS/,
    );
  });

  it('treats an empty optional URL as not configured', () => {
    expect(validateEnvironment({ ...valid, KAFKA_BROKERS: '' }).KAFKA_BROKERS).toBeUndefined();
  });

  it('serves through PgBouncer only with a pooler port, and says which variable is missing', () => {
    expect(validateEnvironment(valid).DATABASE_POOLER).toBe('none');
    expect(() => validateEnvironment({ ...valid, DATABASE_POOLER: 'pgbouncer' })).toThrow(
      /DATABASE_POOLER_PORT: is missing/,
    );
    expect(() =>
      validateEnvironment({ ...valid, DATABASE_POOLER: 'pgbouncer', DATABASE_POOLER_PORT: 'x' }),
    ).toThrow(/DATABASE_POOLER_PORT: .*required with DATABASE_POOLER=pgbouncer/);
    expect(() => validateEnvironment({ ...valid, DATABASE_POOLER: 'odyssey' })).toThrow(
      /DATABASE_POOLER/,
    );
    const pooled = validateEnvironment({
      ...valid,
      DATABASE_POOLER: 'pgbouncer',
      DATABASE_POOLER_PORT: '56432',
      DATABASE_POOLER_HOST: '',
    });
    expect([pooled.DATABASE_POOLER_PORT, pooled.DATABASE_POOLER_HOST]).toEqual([56432, undefined]);
  });
});
