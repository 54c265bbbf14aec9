import type { Kafka } from 'kafkajs';
import { SinkUnavailableError } from '../pipeline/event-sink';
import type { AppMessageSigner } from './app-message.signer';
import {
  FAIL_FAST_MS,
  isConnectionError,
  RESEND_PAUSE_MS,
  KafkaEventSink,
  producerRetryFor,
} from './kafka-event-sink';

function connectionError(): Error {
  const cause = Object.assign(new Error('Connection error: ECONNREFUSED'), {
    name: 'KafkaJSConnectionError',
  });
  return Object.assign(new Error('retries exceeded'), {
    name: 'KafkaJSNumberOfRetriesExceeded',
    cause,
  });
}

function fakeKafka(sendBatch: jest.Mock): { kafka: Kafka; producer: jest.Mock } {
  const producer = jest.fn(() => ({ connect: jest.fn(async () => {}), sendBatch }));
  return { kafka: { producer } as unknown as Kafka, producer };
}

const signer = { sign: () => 'sig' } as unknown as AppMessageSigner;
const event = [{}] as never;

describe('KafkaEventSink', () => {
  afterEach(() => jest.useRealTimers());

  it("keeps main's short retries with one broker, and the long ones only with two or more", () => {
    expect(producerRetryFor(0)).toEqual({ retries: 3, initialRetryTime: 100, maxRetryTime: 1000 });
    expect(producerRetryFor(1)).toEqual({ retries: 3, initialRetryTime: 100, maxRetryTime: 1000 });
    expect(producerRetryFor(2)).toEqual({ retries: 10, initialRetryTime: 100, maxRetryTime: 2000 });
    expect(producerRetryFor(3).retries).toBe(10);
  });

  it('gives its producer the retries of the configured broker count (one when not given)', () => {
    const single = fakeKafka(jest.fn());
    new KafkaEventSink(single.kafka, 't', async () => {}, signer);
    expect(single.producer).toHaveBeenCalledWith(
      expect.objectContaining({ retry: producerRetryFor(1) }),
    );
    const cluster = fakeKafka(jest.fn());
    new KafkaEventSink(cluster.kafka, 't', async () => {}, signer, undefined, 3);
    expect(cluster.producer).toHaveBeenCalledWith(
      expect.objectContaining({ retry: producerRetryFor(3) }),
    );
  });

  it('tells connection failures (also as a cause) from leader errors', () => {
    expect(isConnectionError(connectionError())).toBe(true);
    expect(
      isConnectionError(
        Object.assign(new Error('closed'), { name: 'KafkaJSConnectionClosedError' }),
      ),
    ).toBe(true);
    const leader = Object.assign(new Error('not leader'), {
      name: 'KafkaJSProtocolError',
      type: 'NOT_LEADER_OR_FOLLOWER',
    });
    expect(isConnectionError(leader)).toBe(false);
    expect(isConnectionError('nope')).toBe(false);
  });

  it('answers 503 at once for FAIL_FAST_MS after a connection failure, then tries again', async () => {
    const sendBatch = jest.fn().mockRejectedValueOnce(connectionError()).mockResolvedValue([]);
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer);
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      await expect(sink.publish('a', event, new Date())).rejects.toBeInstanceOf(
        SinkUnavailableError,
      );
      await expect(sink.publish('a', event, new Date())).rejects.toThrow('Kafka is unreachable');
      expect(sendBatch).toHaveBeenCalledTimes(1);
      now.mockReturnValue(1_000_000 + FAIL_FAST_MS);
      await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
      expect(sendBatch).toHaveBeenCalledTimes(2);
    } finally {
      now.mockRestore();
    }
  });

  it('does not fail fast after a leader error', async () => {
    const leader = Object.assign(new Error('not leader'), { name: 'KafkaJSProtocolError' });
    const sendBatch = jest.fn().mockRejectedValueOnce(leader).mockResolvedValue([]);
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer);
    await expect(sink.publish('a', event, new Date())).rejects.toBeInstanceOf(SinkUnavailableError);
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(2);
  });

  it('with a cluster, sends a failed batch again instead of answering 503, and does not fail fast', async () => {
    const sendBatch = jest.fn().mockRejectedValueOnce(connectionError()).mockResolvedValue([]);
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer, undefined, 3);
    const started = Date.now();
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(RESEND_PAUSE_MS - 5);
    // The connection failure was one broker's: the next request is sent, not refused.
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(3);
  });

  it('with a cluster, answers 503 once the deadline has passed, and never sends that request again', async () => {
    let clock = 1_000_000;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const sendBatch = jest.fn(async () => {
      clock += 60_000; // the send outlasted every caller's deadline
      throw connectionError();
    });
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer, undefined, 3);
    try {
      await expect(sink.publish('a', event, new Date())).rejects.toBeInstanceOf(
        SinkUnavailableError,
      );
      expect(sendBatch).toHaveBeenCalledTimes(1);
    } finally {
      now.mockRestore();
    }
  });
});
