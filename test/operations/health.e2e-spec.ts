import { createTestApp } from '../support/test-app';

/** /health reports PostgreSQL always, and each optional server exactly when it is configured. */
describe('GET /health', () => {
  it('reports every configured server up', async () => {
    const t = await createTestApp();
    try {
      const response = await t.http.get('/health').expect(200);
      expect(response.body.status).toBe('ok');
      expect(response.body.info.postgres.status).toBe('up');
      for (const [variable, key] of [
        ['REDIS_URL', 'redis'],
        ['KAFKA_BROKERS', 'kafka'],
        ['CLICKHOUSE_URL', 'clickhouse'],
      ]) {
        if (process.env[variable]) expect(response.body.info[key]?.status).toBe('up');
      }
    } finally {
      await t.close();
    }
  });

  it('checks only PostgreSQL when nothing else is configured (the embedded default)', async () => {
    const t = await createTestApp({
      env: { REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' },
    });
    try {
      const response = await t.http.get('/health').expect(200);
      expect(Object.keys(response.body.info)).toEqual(['postgres']);
    } finally {
      await t.close();
    }
  });

  it('answers 503 naming the server that is down', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const t = await createTestApp({
      env: {
        REDIS_URL: 'redis://127.0.0.1:9',
        CLICKHOUSE_URL: 'http://127.0.0.1:9',
        KAFKA_BROKERS: '',
      },
    });
    try {
      const response = await t.http.get('/health').expect(503);
      expect(response.body.status).toBe('error');
      expect(response.body.error.redis.status).toBe('down');
      expect(response.body.error.clickhouse.status).toBe('down');
      expect(response.body.info.postgres.status).toBe('up');
    } finally {
      await t.close();
    }
  });

  it('starts, reports and stops with Redis down on the PostgreSQL store (rollup jobs waiting)', async () => {
    const t = await createTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:9', CLICKHOUSE_URL: '', KAFKA_BROKERS: '' },
    });
    try {
      const response = await t.http.get('/health').expect(503);
      expect(response.body.error.redis.status).toBe('down');
      expect(response.body.info.postgres.status).toBe('up');
    } finally {
      await t.close();
    }
  });

  it('answers liveness without touching any server', async () => {
    const t = await createTestApp();
    try {
      await t.http.get('/health/live').expect(200, { status: 'ok' });
    } finally {
      await t.close();
    }
  });
});
