import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  type Producer,
} from 'kafkajs';
import { isRetriableSendError, sendWhole } from './whole-send';

const notLeader = () =>
  new KafkaJSProtocolError({
    message: 'This server is not the leader for that topic-partition',
    type: 'NOT_LEADER_FOR_PARTITION',
    code: 6,
    retriable: true,
  } as never);
const tooLarge = () =>
  new KafkaJSProtocolError({
    message: 'The request included a message larger than the max message size',
    type: 'MESSAGE_TOO_LARGE',
    code: 10,
    retriable: false,
  } as never);
const exhausted = (error: Error) =>
  new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 0, retryTime: 300 });

describe('isRetriableSendError', () => {
  it('is true for an unreachable broker or a moved leader, also inside kafkajs’ wrapper', () => {
    expect(isRetriableSendError(new KafkaJSConnectionError('ECONNREFUSED'))).toBe(true);
    expect(isRetriableSendError(exhausted(new KafkaJSConnectionError('ECONNREFUSED')))).toBe(true);
    expect(isRetriableSendError(exhausted(notLeader()))).toBe(true);
  });

  it('is false for what the broker refused, and for errors that are not kafkajs’', () => {
    expect(isRetriableSendError(tooLarge())).toBe(false);
    expect(isRetriableSendError(new KafkaJSNonRetriableError(tooLarge()))).toBe(false);
    expect(isRetriableSendError(new TypeError('x is undefined'))).toBe(false);
    expect(isRetriableSendError('nope')).toBe(false);
  });
});

describe('sendWhole', () => {
  afterEach(() => jest.restoreAllMocks());

  const batch = { acks: -1, topicMessages: [{ topic: 't', messages: [{ value: 'a' }] }] };
  const producerFailing = (failures: Error[]) => {
    const sendBatch = jest.fn(async () => {
      const failure = failures.shift();
      if (failure) throw failure;
      return [];
    });
    return { producer: { sendBatch } as unknown as Producer, sendBatch };
  };

  it('sends the same whole batch again after a retriable failure, until it is taken', async () => {
    const { producer, sendBatch } = producerFailing([
      exhausted(new KafkaJSConnectionError('ECONNREFUSED')),
      exhausted(notLeader()),
    ]);
    await expect(sendWhole(producer, batch, { pauseMs: 5 })).resolves.toEqual([]);
    expect(sendBatch).toHaveBeenCalledTimes(3);
    for (const [sent] of sendBatch.mock.calls as unknown as [typeof batch][]) {
      expect(sent).toBe(batch);
    }
  });

  it('throws at once what the broker refused', async () => {
    const refused = new KafkaJSNonRetriableError(tooLarge());
    const { producer, sendBatch } = producerFailing([refused]);
    await expect(sendWhole(producer, batch, { pauseMs: 5 })).rejects.toBe(refused);
    expect(sendBatch).toHaveBeenCalledTimes(1);
  });

  it('gives up with the last error once its time has passed', async () => {
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const failures = Array.from({ length: 10 }, () => exhausted(notLeader()));
    const { producer, sendBatch } = producerFailing(failures);
    sendBatch.mockImplementation(async () => {
      clock += 50; // each attempt takes 50 ms
      throw failures[sendBatch.mock.calls.length - 1];
    });
    const error = await sendWhole(producer, batch, { giveUpAfterMs: 200, pauseMs: 1 }).catch(
      (e: unknown) => e,
    );
    // Attempts end at 50, 100, 150 and 200 ms; after the fourth, no time is left.
    expect(sendBatch).toHaveBeenCalledTimes(4);
    expect(error).toBe(failures[3]);
  });

  it('with stillWanted, goes on past the time limit while it says yes, and stops when it says no', async () => {
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    let wanted = true;
    const { producer, sendBatch } = producerFailing([]);
    sendBatch.mockImplementation(async () => {
      clock += 60_000; // each attempt outlasts the default 30 s
      if (sendBatch.mock.calls.length === 5) wanted = false;
      throw exhausted(notLeader());
    });
    await expect(
      sendWhole(producer, batch, { pauseMs: 1, stillWanted: () => wanted }),
    ).rejects.toThrow();
    expect(sendBatch).toHaveBeenCalledTimes(5);
  });
});
