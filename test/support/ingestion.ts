import { randomUUID } from 'node:crypto';

/**
 * Environment for a test app that runs the ingestion consumer: a topic and consumer group of
 * its own, so test files running in parallel never read each other's events.
 */
export function ingestionEnv(
  name: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const suffix = `${name}.${process.pid}.${Date.now().toString(36)}`;
  return {
    KAFKA_EVENTS_TOPIC: `test.${suffix}`,
    KAFKA_CONSUMER_GROUP: `test-group.${suffix}`,
    KAFKA_EVENTS_PARTITIONS: '3',
    INGESTION_CONSUMER: 'on',
    ...extra,
  };
}

/** A valid event of the contract, timestamped now unless told otherwise. */
export function anEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    event_type: 'page_view',
    timestamp: new Date().toISOString(),
    user_id: `user-${Math.floor(Math.random() * 1000)}`,
    session_id: `session-${Math.floor(Math.random() * 100)}`,
    properties: { page_url: '/pricing', browser: 'firefox', country: 'DE' },
    ...overrides,
  };
}

/** Polls `read` until it returns `expected` (or the time runs out), then returns the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  expected: T,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}
