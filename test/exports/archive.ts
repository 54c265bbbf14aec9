import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import type TestAgent from 'supertest/lib/agent';
import type { Response } from 'supertest';

/** Supertest: the body as one Buffer, whatever its type. */
export function binary(
  response: Response,
  done: (error: Error | null, body: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => done(null, Buffer.concat(chunks)));
}

export interface Entry {
  name: string;
  body: Buffer;
  type?: 'file' | 'symlink' | 'directory';
  linkname?: string;
}

/** Every entry of a .tar.gz, in order (test archives are small). */
export async function unpack(archive: Buffer): Promise<Entry[]> {
  const entries: Entry[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        entries.push({
          name: header.name,
          body: Buffer.concat(chunks),
          type: header.type as Entry['type'],
        });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([gunzipSync(archive)]).pipe(extract);
  await done;
  return entries;
}

/** A .tar.gz of these entries, as given (names, types and all: for hostile archives). */
export async function pack(entries: Entry[]): Promise<Buffer> {
  const archive = tar.pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => archive.on('end', resolve));
  for (const entry of entries) {
    if (entry.type === 'symlink') {
      archive.entry({
        name: entry.name,
        type: 'symlink',
        linkname: entry.linkname ?? '/etc/passwd',
      });
    } else if (entry.type === 'directory') {
      archive.entry({ name: entry.name, type: 'directory' });
    } else {
      archive.entry({ name: entry.name, size: entry.body.length }, entry.body);
    }
  }
  archive.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

export interface ExportStatus {
  id: string;
  status: string;
  progress: { percent: number; rows_written: number; events_total: number | null };
  file: {
    bytes: number;
    sha256: string;
    download_path: string;
    download_expires_at: string;
  } | null;
  error: string | null;
}

/** Polls GET /v1/exports/:id until it is completed or failed (or a minute has gone). */
export async function waitForExport(
  http: TestAgent,
  headers: Record<string, string>,
  id: string,
): Promise<ExportStatus> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await http.get(`/v1/exports/${id}`).set(headers).expect(200);
    const body = response.body as ExportStatus;
    if (body.status === 'completed' || body.status === 'failed' || Date.now() > deadline) {
      return body;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts an export of everything, waits for it, downloads it. */
export const EVERYTHING = { from: '1970-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };

export async function exportEverything(
  http: TestAgent,
  headers: Record<string, string>,
): Promise<{ status: ExportStatus; archive: Buffer }> {
  const started = await http.post('/v1/exports').set(headers).send(EVERYTHING).expect(202);
  const status = await waitForExport(http, headers, started.body.id);
  if (status.status !== 'completed') throw new Error(`export ${status.status}: ${status.error}`);
  const download = await http
    .get(`/v1/exports/${status.id}/download`)
    .set(headers)
    .buffer(true)
    .parse(binary)
    .expect(200);
  return { status, archive: download.body as Buffer };
}

export function manifestOf(entries: Entry[]): {
  schema_version: string;
  time_range: { from: string; to: string };
  event_store: string;
  tenant: { id: string };
  export_id: string;
  files: { name: string; table: string; rows: number; bytes: number; sha256: string }[];
} {
  const manifest = entries.find((entry) => entry.name === 'manifest.json');
  if (!manifest) throw new Error('no manifest.json');
  return JSON.parse(manifest.body.toString('utf8'));
}

export function ndjsonOf(entries: Entry[], name: string): Record<string, unknown>[] {
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new Error(`no ${name}`);
  const text = name.endsWith('.gz')
    ? gunzipSync(entry.body).toString('utf8')
    : entry.body.toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
