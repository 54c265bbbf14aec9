import { buildDataSourceOptions } from './data-source-options';

describe('buildDataSourceOptions', () => {
  const connection = {
    host: '127.0.0.1',
    port: 55432,
    database: 'tenantry',
    username: 'tenantry_app',
    password: 'secret',
    statementTimeoutMs: 15000,
  };
  const extra = (options: ReturnType<typeof buildDataSourceOptions>) =>
    (options as { extra: Record<string, unknown> }).extra;

  it('sends statement_timeout as a startup parameter on a direct connection', () => {
    expect(extra(buildDataSourceOptions(connection)).statement_timeout).toBe(15000);
  });

  it('sends none through PgBouncer, which refuses it (the role carries the timeout)', () => {
    const options = extra(buildDataSourceOptions({ ...connection, pooler: 'pgbouncer' }));
    expect(options).not.toHaveProperty('statement_timeout');
    expect(options.max).toBe(10);
  });
});
