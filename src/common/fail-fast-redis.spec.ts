import { failFastRedis, untilReady } from './fail-fast-redis';

/** Nothing listens on the discard port: a Redis that is down. */
const DOWN = 'redis://127.0.0.1:9';

describe('failFastRedis', () => {
  it('refuses a command at once while Redis is down, instead of queueing it until a timeout', async () => {
    const errors: Error[] = [];
    const redis = failFastRedis(DOWN, (error) => errors.push(error));
    try {
      await untilReady(redis, 300);
      expect(redis.status).not.toBe('ready');
      // The offline queue's refusal, not a command timeout: nothing waited for a connection.
      await expect(redis.get('anything')).rejects.toThrow(/enableOfflineQueue/);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
