import { connect, type Socket } from 'node:net';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Idle keep-alive connections stay open for HTTP_KEEP_ALIVE_SECONDS (65 by default), so the
 * client or the load balancer in front closes them first. With Node's own 5 s the server closed
 * connections a busy client was about to reuse, and that request failed with ECONNRESET (CI, stop
 * 29: four requests of the tenant-move test's stream).
 */
const LIVE = 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';

/** A raw connection to the app, answering each request's status line, and whether it closed. */
async function connection(url: string): Promise<{
  ask: () => Promise<string>;
  closed: () => boolean;
  socket: Socket;
}> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let ended = false;
  socket.on('close', () => (ended = true));
  socket.on('error', () => undefined);
  return {
    socket,
    closed: () => ended,
    ask: () =>
      new Promise((resolve, reject) => {
        let received = '';
        const onClose = () => reject(new Error('the server closed the connection'));
        const onData = (chunk: Buffer): void => {
          received += chunk.toString();
          // The whole answer, body included, so the next request's answer starts clean.
          const headersEnd = received.indexOf('\r\n\r\n');
          const length = /\r\ncontent-length: (\d+)\r\n/i.exec(received)?.[1];
          if (headersEnd < 0 || length === undefined) return;
          if (Buffer.byteLength(received) < headersEnd + 4 + Number(length)) return;
          socket.off('data', onData).off('close', onClose);
          resolve(received);
        };
        socket.on('data', onData).once('close', onClose);
        socket.write(LIVE);
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HTTP keep-alive (HTTP_KEEP_ALIVE_SECONDS)', () => {
  let byDefault: TestApp;
  let short: TestApp;

  beforeAll(async () => {
    byDefault = await createTestApp();
    short = await createTestApp({ env: { HTTP_KEEP_ALIVE_SECONDS: '1' } });
  }, 60_000);
  afterAll(async () => Promise.all([byDefault?.close(), short?.close()]));

  it('keeps an idle connection open past Node’s default (5 s, closed at 6), and closes it once the configured time is up', async () => {
    const kept = await connection(byDefault.url);
    const closing = await connection(short.url);
    try {
      const first = await kept.ask();
      expect(first).toMatch(/^HTTP\/1\.1 200/);
      // The hint a client's pool reads to close idle connections before the server does.
      expect(first).toMatch(/\r\nKeep-Alive: timeout=65\r\n/i);
      expect(await closing.ask()).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
      // Node closes at the timeout plus a second's grace.
      await sleep(3_500);
      expect(closing.closed()).toBe(true);
      await sleep(3_500);
      expect(kept.closed()).toBe(false);
      expect(await kept.ask()).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      kept.socket.destroy();
      closing.socket.destroy();
    }
  }, 20_000);
});
