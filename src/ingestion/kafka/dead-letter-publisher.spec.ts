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

  /** A broker's error code as kafkajs raises it (its message is the code's name here). */
  const brokerError = (type: string, code: number, retriable: boolean) =>
    new KafkaJSProtocolError({ message: type, type, code, retriable } as never);

  it('falls back to one by one, then to the record without its value, when the broker refuses', async () => {
    const tooLarge = brokerError('MESSAGE_TOO_LARGE', 10, false);
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

  describe('while the broker is unavailable', () => {
    /** A fake clock on which each send takes `ms`; the send fails while `failing` says so. */
    function slowProducer(ms: number, error: Error, failing: (sends: number) => boolean) {
      let clock = 1_000_000;
      jest.spyOn(Date, 'now').mockImplementation(() => clock);
      const made = producer(() => {
        clock += ms;
        return failing(made.sends.length) ? error : null;
      });
      return made;
    }

    it('sends again, then throws, so the batch is retried uncommitted', async () => {
      const unavailable = brokerError('LEADER_NOT_AVAILABLE', 5, true);
      const { fake, sends } = slowProducer(100, unavailable, () => true);
      const publisher = new DeadLetterPublisher(fake, 'dlq', { giveUpAfterMs: 300, pauseMs: 1 });
      await expect(publisher.publish([record(10)])).rejects.toBe(unavailable);
      // Attempts end at 100, 200 and 300 ms. Sent whole each time, never one by one (that is
      // for what the broker refuses).
      expect(sends).toHaveLength(3);
      expect(sends.every((s) => s.length === 1 && s[0].value === 'v'.repeat(10))).toBe(true);
    });

    it('sends again past the time limit while the consumer says the batch is still wanted', async () => {
      const unavailable = brokerError('NOT_ENOUGH_REPLICAS', 19, true);
      // Each attempt outlasts the 300 ms limit; the fourth is taken.
      const { fake, sends } = slowProducer(60_000, unavailable, (made) => made < 4);
      const publisher = new DeadLetterPublisher(fake, 'dlq', { giveUpAfterMs: 300, pauseMs: 1 });
      await publisher.publish([record(10)], () => true);
      expect(sends).toHaveLength(4);
    });

    it('is taken once the broker is back within the time limit', async () => {
      const notLeader = brokerError('NOT_LEADER_FOR_PARTITION', 6, true);
      const { fake, sends } = slowProducer(100, notLeader, (made) => made < 3);
      const publisher = new DeadLetterPublisher(fake, 'dlq', { giveUpAfterMs: 5_000, pauseMs: 1 });
      await publisher.publish([record(10)]);
      expect(sends).toHaveLength(3);
    });
  });
});
