import { ConfigService } from '@nestjs/config';
import { DeadLetterCountsStore } from './dead-letter-counts.store';

describe('DeadLetterCountsStore with Redis down', () => {
  it('fails a read at once and drops a count without waiting: it never holds a batch', async () => {
    const store = new DeadLetterCountsStore(
      new ConfigService({ REDIS_URL: 'redis://127.0.0.1:9', DATABASE_NAME: 'unit' }) as never,
    );
    try {
      await store.onModuleInit();
      expect(() =>
        store.record([{ tenantId: '00000000-0000-4000-8000-00000000000a', reason: 'invalid_json' }]),
      ).not.toThrow();
      // Refused by the client (no offline queue), not left waiting for a connection.
      await expect(store.countsOf('00000000-0000-4000-8000-00000000000a')).rejects.toThrow(
        /enableOfflineQueue/,
      );
    } finally {
      await store.onApplicationShutdown();
    }
  });
});
