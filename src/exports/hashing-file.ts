import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Transform as ZlibTransform } from 'node:stream';

export interface WrittenFile {
  bytes: number;
  sha256: string;
}

/**
 * Streams `source` (through `encode`, e.g. gzip, when given) to `path`, hashing the bytes as
 * they go to disk: nothing is held beyond the streams' own buffers, and backpressure from the
 * disk pauses the source.
 */
export async function writeHashedFile(
  source: Readable,
  path: string,
  encode?: ZlibTransform,
): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const sink = createWriteStream(path, { mode: 0o600 });
  if (encode) await pipeline(source, encode, tap, sink);
  else await pipeline(source, tap, sink);
  return { bytes, sha256: hash.digest('hex') };
}
