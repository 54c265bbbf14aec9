import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  type Kafka,
} from 'kafkajs';
import { SinkUnavailableError } from '../pipeline/event-sink';
import type { AppMessageSigner } from './app-message.signer';
import {
  FAIL_FAST_MS,
  isConnectionError,
  ONE_BROKER_RETRY_MS,
  RESEND_PAUSE_MS,
  KafkaEventSink,
} from './kafka-event-sink';
import { ONE_ATTEMPT_PRODUCER } from './whole-send';

/** A send that could not reach the broker, as kafkajs throws it after its one attempt. */
function connectionError(): Error {
  return new KafkaJSNumberOfRetriesExceeded(
    new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'),
    { retryCount: 0, retryTime: 300 },
  );
}

function leaderError(): Error {
  return new KafkaJSNumberOfRetriesExceeded(
    new KafkaJSProtocolError({
      message: 'This server is not the leader for that topic-partition',
      type: 'NOT_LEADER_FOR_PARTITION',
      code: 6,
      retriable: true,
    } as never),
    { retryCount: 0, retryTime: 300 },
  );
}

function fakeKafka(sendBatch: jest.Mock): { kafka: Kafka; producer: jest.Mock } {
  const producer = jest.fn(() => ({ connect: jest.fn(async () => {}), sendBatch }));
  return { kafka: { producer } as unknown as Kafka, producer };
}

const signer = { sign: () => 'sig' } as unknown as AppMessageSigner;
const event = [{}] as never;

describe('KafkaEventSink', () => {
  afterEach(() => jest.restoreAllMocks());

  it('makes its producers with one attempt per send (kafkajs never retries a produce)', () => {
    const { kafka, producer } = fakeKafka(jest.fn());
    new KafkaEventSink(kafka, 't', async () => {}, signer, undefined, 3);
    expect(producer).toHaveBeenCalledWith(ONE_ATTEMPT_PRODUCER);
    expect(ONE_ATTEMPT_PRODUCER).toMatchObject({ idempotent: false, retry: { retries: 0 } });
  });

  it('tells connection failures (also as a cause) from leader errors', () => {
    expect(isConnectionError(connectionError())).toBe(true);
    expect(
      isConnectionError(
        Object.assign(new Error('closed'), { name: 'KafkaJSConnectionClosedError' }),
      ),
    ).toBe(true);
    expect(isConnectionError(leaderError())).toBe(false);
    expect(isConnectionError('nope')).toBe(false);
  });

  it('with one broker, answers 503 at once when it cannot be reached, and new callers for FAIL_FAST_MS', async () => {
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const sendBatch = jest.fn().mockRejectedValueOnce(connectionError()).mockResolvedValue([]);
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer);
    await expect(sink.publish('a', event, new Date())).rejects.toBeInstanceOf(SinkUnavailableError);
    await expect(sink.publish('a', event, new Date())).rejects.toThrow('Kafka is unreachable');
    expect(sendBatch).toHaveBeenCalledTimes(1);
    clock += FAIL_FAST_MS;
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(2);
  });

  it('with one broker, sends a failed request again until ONE_BROKER_RETRY_MS after it came, then 503', async () => {
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const sendBatch = jest.fn(async () => {
      clock += ONE_BROKER_RETRY_MS / 3; // each attempt takes a third of the retry time
      throw leaderError();
    });
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer);
    await expect(sink.publish('a', event, new Date())).rejects.toBeInstanceOf(SinkUnavailableError);
    // Attempts end at 1/3, 2/3 and 3/3 of the retry time; after the third, none is left.
    expect(sendBatch).toHaveBeenCalledTimes(3);
    // Not a connection failure: the next caller is sent, not refused.
    sendBatch.mockResolvedValue([] as never);
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(4);
  });

  it('with one broker, takes a request once a send made again succeeds', async () => {
    const sendBatch = jest.fn().mockRejectedValueOnce(leaderError()).mockResolvedValue([]);
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer);
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(2);
  });

  it('does not send again what the broker refused, and does not fail fast after it', async () => {
    const tooLarge = new KafkaJSNonRetriableError(
      new KafkaJSProtocolError({
        message: 'The request included a message larger than the max message size',
        type: 'MESSAGE_TOO_LARGE',
        code: 10,
        retriable: false,
      } as never),
    );
    const sendBatch = jest.fn().mockRejectedValueOnce(tooLarge).mockResolvedValue([]);
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer, undefined, 3);
    await expect(sink.publish('a', event, new Date())).rejects.toBeInstanceOf(SinkUnavailableError);
    expect(sendBatch).toHaveBeenCalledTimes(1);
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
  });

  it('with a cluster, sends a failed batch again instead of answering 503, and does not fail fast', async () => {
    const sendBatch = jest
      .fn()
      .mockRejectedValueOnce(connectionError())
      .mockRejectedValueOnce(leaderError())
      .mockResolvedValue([]);
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer, undefined, 3);
    const started = Date.now();
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * RESEND_PAUSE_MS - 5);
    // The connection failure was one broker's: the next request is sent, not refused.
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(4);
  });

  it('with a cluster, keeps sending again past ONE_BROKER_RETRY_MS, up to the deadline', async () => {
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    let failures = 4;
    const sendBatch = jest.fn(async () => {
      clock += ONE_BROKER_RETRY_MS; // a leader move outlasts one broker's retry time
      if (failures-- > 0) throw leaderError();
      return [];
    });
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer, undefined, 3);
    await expect(sink.publish('a', event, new Date())).resolves.toBeUndefined();
    expect(sendBatch).toHaveBeenCalledTimes(5);
  });

  it('with a cluster, answers 503 once the deadline has passed, and never sends that request again', async () => {
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const sendBatch = jest.fn(async () => {
      clock += 60_000; // the send outlasted every caller's deadline
      throw connectionError();
    });
    const { kafka } = fakeKafka(sendBatch);
    const sink = new KafkaEventSink(kafka, 't', async () => {}, signer, undefined, 3);
    await expect(sink.publish('a', event, new Date())).rejects.toBeInstanceOf(SinkUnavailableError);
    expect(sendBatch).toHaveBeenCalledTimes(1);
  });
});
