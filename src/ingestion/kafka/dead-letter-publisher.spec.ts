import type { Message, Producer, ProducerBatch } from 'kafkajs';
import { KafkaJSProtocolError } from 'kafkajs';
import { DeadLetterPublisher, deadLetterRecord } from './dead-letter-publisher';
import { MAX_MESSAGE_BYTES } from './kafka-connection';

const TENANT = '3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e';
const source = { topic: 'tenant_events', partition: 2 };

describe('deadLetterRecord', () => {
  it('writes only its own headers: none of the producer’s, forged dlq_* ones included', () => {
    const record = deadLetterRecord(
      {
        message: {
          key: TENANT,
          value: Buffer.from('{"events":[]}'),
          headers: { tenant_id: TENANT, dlq_reason: 'forged', big: 'x'.repeat(100_000) },
          offset: '41',
        },
        reason: 'invalid_event',
        tenantId: TENANT,
        errors: [{ field: 'events', message: 'events must hold 1 to 1000 events' }],
      },
      source,
    );
    expect(record).toEqual({
      key: TENANT,
      value: Buffer.from('{"events":[]}'),
      headers: {
        dlq_reason: 'invalid_event',
        dlq_source_topic: 'tenant_events',
        dlq_source_partition: '2',
        dlq_source_offset: '41',
        tenant_id: TENANT,
        dlq_errors: '[{"field":"events","message":"events must hold 1 to 1000 events"}]',
        dlq_source_key: TENANT,
      },
    });
  });

  it('keeps the errors header valid JSON under 4,000 characters, saying how many were cut', () => {
    const errors = Array.from({ length: 1000 }, (_, i) => ({
      field: `events[${i}].event_type`,
      message: 'event_type may hold only a-z, 0-9 and _ . : -',
    }));
    const record = deadLetterRecord(
      {
        message: { key: null, value: null, headers: {} },
        reason: 'invalid_event',
        errors,
      },
      source,
    );
    const header = String(record.headers!.dlq_errors);
    expect(header.length).toBeLessThanOrEqual(4000);
    const parsed = JSON.parse(header) as { truncated?: number }[];
    const kept = parsed.length - 1;
    expect(parsed[kept]).toEqual({ truncated: 1000 - kept });
  });

  it('leaves out a value too large for the topic and says its size', () => {
    const value = Buffer.alloc(MAX_MESSAGE_BYTES, 0x20);
    const record = deadLetterRecord(
      {
        message: { key: 'k'.repeat(10_000), value, headers: {} },
        reason: 'message_too_large',
      },
      source,
    );
    expect(record.value).toBeNull();
    expect(record.headers!.dlq_value_omitted_bytes).toBe(String(MAX_MESSAGE_BYTES));
    expect(String(record.headers!.dlq_source_key)).toHaveLength(256);
    expect(record.key).toBeNull();
  });
});

describe('DeadLetterPublisher', () => {
  afterEach(() => jest.restoreAllMocks());
  const record = (bytes: number): Message => ({ key: null, value: 'v'.repeat(bytes), headers: {} });

  function producer(refuse: (messages: Message[]) => Error | null) {
    const sends: Message[][] = [];
    const fake = {
      sendBatch: jest.fn(async ({ topicMessages }: ProducerBatch) => {
        const { messages } = topicMessages![0];
        sends.push(messages);
        const error = refuse(messages);
        if (error) throw error;
        return [];
      }),
    };
    return { fake: fake as unknown as Producer, sends };
  }

  it('sends in chunks of about 1 MB', async () => {
    const { fake, sends } = producer(() => null);
    await new DeadLetterPublisher(fake, 'dlq').publish(
      Array.from({ length: 10 }, () => record(300_000)),
    );
    expect(sends.map((s) => s.length)).toEqual([3, 3, 3, 1]);
  });

  it('falls back to one by one, then to the record without its value, when the broker refuses', async () => {
    const tooLarge = new KafkaJSProtocolError({
      message: 'The request included a message larger than the max message size',
      type: 'MESSAGE_TOO_LARGE',
      code: 10,
      retriable: false,
    } as never);
    const { fake, sends } = producer((messages) =>
      messages.some((m) => m.value && String(m.value).length > 500_000) ? tooLarge : null,
    );
    await new DeadLetterPublisher(fake, 'dlq').publish([record(10), record(600_000)]);
    const last = sends[sends.length - 1];
    expect(last).toHaveLength(1);
    expect(last[0].value).toBeNull();
    expect(last[0].headers!.dlq_value_omitted_bytes).toBe('600000');
    // The small one went through alone.
    expect(sends.some((s) => s.length === 1 && s[0].value === 'v'.repeat(10))).toBe(true);
  });

  it('sends again while the broker is unavailable, then throws, so the batch is retried uncommitted', async () => {
    const unavailable = new KafkaJSProtocolError({
      message: 'There is no leader for this topic-partition',
      type: 'LEADER_NOT_AVAILABLE',
      code: 5,
      retriable: true,
    } as never);
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const { fake, sends } = producer(() => {
      clock += 100; // each attempt takes 100 ms
      return unavailable;
    });
    const publisher = new DeadLetterPublisher(fake, 'dlq', { giveUpAfterMs: 300, pauseMs: 1 });
    await expect(publisher.publish([record(10)])).rejects.toBe(unavailable);
    // Attempts end at 100, 200 and 300 ms. Sent whole each time, never one by one (that is for
    // what the broker refuses).
    expect(sends).toHaveLength(3);
    expect(sends.every((s) => s.length === 1 && s[0].value === 'v'.repeat(10))).toBe(true);
  });

  it('sends again past the time limit while the consumer says the batch is still wanted', async () => {
    const unavailable = new KafkaJSProtocolError({
      message: 'Messages are rejected since there are fewer in-sync replicas than required',
      type: 'NOT_ENOUGH_REPLICAS',
      code: 19,
      retriable: true,
    } as never);
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const { fake, sends } = producer(() => {
      clock += 60_000; // each attempt outlasts the 300 ms limit
      return sends.length < 4 ? unavailable : null;
    });
    const publisher = new DeadLetterPublisher(fake, 'dlq', { giveUpAfterMs: 300, pauseMs: 1 });
    await publisher.publish([record(10)], () => true);
    expect(sends).toHaveLength(4);
  });

  it('is taken once the broker is back within the retry time', async () => {
    const unavailable = new KafkaJSProtocolError({
      message: 'This server is not the leader for that topic-partition',
      type: 'NOT_LEADER_OR_FOLLOWER',
      code: 6,
      retriable: true,
    } as never);
    let failures = 2;
    const { fake, sends } = producer(() => (failures-- > 0 ? unavailable : null));
    const publisher = new DeadLetterPublisher(fake, 'dlq', { giveUpAfterMs: 5_000, pauseMs: 10 });
    await publisher.publish([record(10)]);
    expect(sends).toHaveLength(3);
  });
});
