import type { Server } from 'node:http';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Requests Node's HTTP parser refuses before any route sees them (headers over its limit, 16 KB by default,
 * malformed request lines, a header timeout) get the same JSON error as every other bad input,
 * naming what was wrong, instead of Node's bare status line with no body.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A client that went away, or a socket already answered: nothing to say.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, field, message] = refusalOf(error.code);
    const body = JSON.stringify({
      statusCode: status,
      error: STATUS_CODES[status],
      message,
      errors: [{ field, message }],
    });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}

function refusalOf(code: string | undefined): [number, string, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [
        431,
        'headers',
        `the request headers are larger than the server accepts (${maxHeaderSize / 1024} KB)`,
      ];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request', 'the request was not received in time'];
    default:
      return [400, 'request', 'the request is not well-formed HTTP'];
  }
}
