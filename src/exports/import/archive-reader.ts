import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import {
  ARCHIVE_FILE_NAMES,
  ARCHIVE_FILES,
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  isArchiveFileName,
  knownSchemaVersions,
  MANIFEST_FILE,
  type Manifest,
  type ManifestFile,
} from '../archive-format';
import { ArchiveRejectedException } from './archive-rejected.exception';

/** What one archive may expand to: bounds checked while reading, before anything is trusted. */
export interface ArchiveLimits {
  /** Bytes of all entries together, once un-gzipped (a gzip bomb stops here). */
  maxExpandedBytes: number;
}

const MAX_MANIFEST_BYTES = 1_000_000;
/** manifest.json and one file per table, nothing else. */
const MAX_ENTRIES = ARCHIVE_FILE_NAMES.length + 1;

interface ExtractedEntry {
  bytes: number;
  sha256: string;
}

/**
 * Unpacks an export archive into `directory` and checks it against its manifest. Entry names
 * are matched against the fixed list of the format and written under that constant name, so
 * no name in an archive (../, absolute, links) ever reaches the file system. Refused with a 400
 * naming the entry: anything not a plain file of the list, a duplicate, too many entries, more
 * bytes than allowed, a manifest that does not parse or describe this format, a listed file
 * missing, an unlisted one present, or a size or SHA-256 that differs from the manifest's.
 */
export async function extractVerifiedArchive(
  archivePath: string,
  directory: string,
  limits: ArchiveLimits,
): Promise<Manifest> {
  const entries = new Map<string, ExtractedEntry>();
  let expanded = 0;
  const extract = tar.extract();
  let refused = false;
  // After the first refusal the pipeline has settled; later stream errors have nowhere to go.
  extract.on('error', () => undefined);
  extract.on('entry', (header, stream, next) => {
    const name = header.name;
    const fail = (problem: string) => {
      // Destroying the extract destroys this entry's stream too, with the same error.
      stream.on('error', () => undefined);
      stream.resume();
      if (refused) return;
      refused = true;
      extract.destroy(new ArchiveRejectedException(printable(name), problem));
    };
    if (refused) return fail('');
    if (header.type !== 'file') return fail('only plain files are accepted (no links or folders)');
    if (name !== MANIFEST_FILE && !isArchiveFileName(name)) {
      return fail(`not a file of a ${ARCHIVE_FORMAT} archive`);
    }
    if (entries.has(name)) return fail('appears twice');
    if (entries.size >= MAX_ENTRIES) return fail(`more than ${MAX_ENTRIES} entries`);
    const declared = header.size ?? 0;
    if (name === MANIFEST_FILE && declared > MAX_MANIFEST_BYTES) {
      return fail(`larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    if (expanded + declared > limits.maxExpandedBytes) {
      return fail(`the archive expands beyond ${limits.maxExpandedBytes} bytes`);
    }
    expanded += declared;
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // The file name comes from the constant list (the name matched it exactly), not the header.
    pipeline(stream, tap, createWriteStream(join(directory, name), { mode: 0o600 }))
      .then(() => {
        entries.set(name, { bytes, sha256: hash.digest('hex') });
        next();
      })
      .catch((error: unknown) => {
        refused = true;
        extract.destroy(error as Error);
      });
  });
  try {
    await pipeline(createReadStream(archivePath), createGunzip(), extract);
  } catch (error) {
    if (error instanceof ArchiveRejectedException) throw error;
    throw new ArchiveRejectedException(
      null,
      'not a readable .tar.gz (gzip or tar data is corrupt)',
    );
  }
  const manifest = await readManifest(directory, entries);
  verifyFiles(manifest, entries);
  return manifest;
}

/** An entry name as an error message may show it: bounded and printable. */
function printable(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

async function readManifest(
  directory: string,
  entries: Map<string, ExtractedEntry>,
): Promise<Manifest> {
  if (!entries.has(MANIFEST_FILE)) throw new ArchiveRejectedException(MANIFEST_FILE, 'missing');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(directory, MANIFEST_FILE), 'utf8'));
  } catch {
    throw new ArchiveRejectedException(MANIFEST_FILE, 'not valid JSON');
  }
  const problem = manifestProblem(parsed);
  if (problem) throw new ArchiveRejectedException(MANIFEST_FILE, problem);
  return parsed as Manifest;
}

const SHA256 = /^[0-9a-f]{64}$/;
const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isInstant = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

function manifestProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const manifest = value as Partial<Manifest>;
  if (manifest.format !== ARCHIVE_FORMAT) return `format is not ${ARCHIVE_FORMAT}`;
  if (manifest.format_version !== ARCHIVE_FORMAT_VERSION) {
    return `format_version ${String(manifest.format_version)} is not ${ARCHIVE_FORMAT_VERSION}`;
  }
  if (typeof manifest.schema_version !== 'string') return 'schema_version is missing';
  if (!knownSchemaVersions().includes(manifest.schema_version)) {
    return 'schema_version is not one this platform knows (exported by a newer version?)';
  }
  const range = manifest.time_range;
  if (!range || !isInstant(range.from) || !isInstant(range.to)) {
    return 'time_range needs from and to timestamps';
  }
  if (!Array.isArray(manifest.files) || manifest.files.length > ARCHIVE_FILE_NAMES.length) {
    return 'files must list the archive files';
  }
  const seen = new Set<string>();
  for (const [index, file] of (manifest.files as unknown[]).entries()) {
    const entry = file as Partial<ManifestFile> | null;
    if (typeof entry !== 'object' || entry === null) return `files[${index}] is not an object`;
    if (typeof entry.name !== 'string' || !isArchiveFileName(entry.name)) {
      return `files[${index}].name is not a file of the format`;
    }
    if (seen.has(entry.name)) return `files[${index}].name lists ${entry.name} twice`;
    seen.add(entry.name);
    if (entry.table !== ARCHIVE_FILES[entry.name]) return `files[${index}].table is wrong`;
    if (!isCount(entry.rows) || !isCount(entry.bytes)) {
      return `files[${index}] needs whole-number rows and bytes`;
    }
    if (typeof entry.sha256 !== 'string' || !SHA256.test(entry.sha256)) {
      return `files[${index}].sha256 is not a SHA-256 in hex`;
    }
  }
  for (const name of ARCHIVE_FILE_NAMES) if (!seen.has(name)) return `files does not list ${name}`;
  return null;
}

function verifyFiles(manifest: Manifest, entries: Map<string, ExtractedEntry>): void {
  for (const file of manifest.files) {
    const entry = entries.get(file.name);
    if (!entry) throw new ArchiveRejectedException(file.name, 'listed in the manifest but missing');
    if (entry.bytes !== file.bytes) {
      throw new ArchiveRejectedException(
        file.name,
        `${entry.bytes} bytes where the manifest says ${file.bytes}`,
      );
    }
    if (entry.sha256 !== file.sha256) {
      throw new ArchiveRejectedException(file.name, 'SHA-256 differs from the manifest');
    }
  }
  for (const name of entries.keys()) {
    if (name !== MANIFEST_FILE && !manifest.files.some((file) => file.name === name)) {
      throw new ArchiveRejectedException(name, 'present but not listed in the manifest');
    }
  }
}
