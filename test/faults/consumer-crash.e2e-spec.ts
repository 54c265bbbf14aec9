import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { anEvent, eventually, ingestionEnv, testKafka } from '../support/ingestion';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/**
 * The consumer killed (SIGKILL) between its store write and its offset commit, then restarted:
 * the restarted consumer reads the uncommitted messages again, the store keeps each event once,
 * and stored ends equal to accepted.
 */
describe('fault: consumer killed between store write and offset commit', () => {
  // The broker's shortest session: the killed consumer's partitions go to the restarted one after
  // 6 s instead of the default 30 s (the test waits for that hand-over).
  const env = ingestionEnv('crash', { KAFKA_SESSION_TIMEOUT_MS: '6000' });
  let api: TestApp;

  beforeAll(async () => {
    // The API only (no consumer), producing to the test's topic.
    api = await createTestApp({ env: { ...env, INGESTION_CONSUMER: 'off' } });
  });
  afterAll(() => api.close());

  it('stores every accepted event exactly once after the restart', async () => {
    const tenant = await createTenant(api.http);
    const events = Array.from({ length: 500 }, () => anEvent({ event_type: 'crash' }));
    await api.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenant.id)))
      .send({ events })
      .expect(202);

    // 1. A consumer that dies right after its first store write.
    const child = spawn(
      process.execPath,
      [
        '-r',
        join(__dirname, '../../scripts/swc-register.js'),
        join(__dirname, 'crashing-consumer.ts'),
      ],
      { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, exitSignal) => resolve(exitSignal)),
    );
    expect({ signal, output: output.slice(0, 500) }).toMatchObject({ signal: 'SIGKILL' });
    expect(output).toMatch(/STORED \d+/);

    // The rows it wrote are in the store, yet the group committed nothing.
    const store = api.app.get<EventStore>(EVENT_STORE);
    expect(await store.countEvents(tenant.id, 'crash')).toBeGreaterThan(0);
    const admin = testKafka('test-offsets').admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({
        groupId: env.KAFKA_CONSUMER_GROUP,
        topics: [env.KAFKA_EVENTS_TOPIC],
      });
      expect(offsets.partitions.every((p) => p.offset === '-1')).toBe(true);
    } finally {
      await admin.disconnect();
    }

    // 2. Restart: a normal consumer in the same group re-reads from the last commit.
    const restarted = await createTestApp({ env });
    try {
      expect(await eventually(() => store.countEvents(tenant.id, 'crash'), 500, 30_000)).toBe(500);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await store.countEvents(tenant.id, 'crash')).toBe(500);
    } finally {
      await restarted.close();
    }
  }, 120_000);
});
