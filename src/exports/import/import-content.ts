import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ROLES } from '../../auth/permissions';
import { CreateDashboardDto } from '../../analytics/dashboards/dto/create-dashboard.dto';
import { flattenValidationErrors } from '../../common/field-error';
import { isRfc3339Timestamp } from '../../common/rfc3339';
import { checkEvent, type EventRow } from '../../ingestion/events/event-contract';
import { UpdateSettingsDto } from '../../tenancy/settings/dto/update-settings.dto';
import type { ArchiveFileName, Manifest } from '../archive-format';
import { ArchiveRejectedException } from './archive-rejected.exception';

/** Lines longer than this are refused (an event is at most ~9 KB as JSON). */
const MAX_LINE_BYTES = 64 * 1024;
const MAX_USERS = 10_000;
const MAX_DASHBOARDS = 1_000;
/** Historical events are imported whatever their age; the plan's retention job trims later. */
const NO_RETENTION_DAYS = 100 * 366;

export interface ImportedSettings {
  timezone: string;
  locale: string;
  currency: string;
  date_format: string;
}
export interface ImportedBranding {
  primary_color: string;
  accent_color: string;
  background_color: string;
  text_color: string;
  logo_url: string | null;
  embed_origins: string[];
}
export interface ImportedDashboard {
  name: string;
  widgets: unknown[];
  is_default: boolean;
}
export interface ImportedUser {
  email: string;
  role: (typeof ROLES)[number];
  status: 'active' | 'disabled';
}

/** What an archive brings besides its events, checked. */
export interface ImportContent {
  settings: ImportedSettings | null;
  branding: ImportedBranding | null;
  dashboards: ImportedDashboard[];
  users: ImportedUser[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Yields each line of a (possibly gzip'd) file, refusing any longer than MAX_LINE_BYTES. */
export async function* linesOf(path: string, file: ArchiveFileName): AsyncGenerator<string> {
  const source = createReadStream(path);
  const stream = file.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  source.on('error', (error) => stream.destroy(error));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      rest += decoder.write(chunk);
      let newline: number;
      while ((newline = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, newline);
        rest = rest.slice(newline + 1);
        if (line.length > 0) yield line;
      }
      if (Buffer.byteLength(rest) > MAX_LINE_BYTES) {
        throw new ArchiveRejectedException(file, `a line is longer than ${MAX_LINE_BYTES} bytes`);
      }
    }
  } catch (error) {
    if (error instanceof ArchiveRejectedException) throw error;
    throw new ArchiveRejectedException(file, 'cannot be read (corrupt gzip data?)');
  } finally {
    stream.destroy();
  }
  rest += decoder.end();
  if (rest.length > 0) yield rest;
}

function parseLine(line: string, file: ArchiveFileName, number: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new ArchiveRejectedException(file, `line ${number} is not JSON`);
  }
}

async function readJsonFile(directory: string, file: ArchiveFileName): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(directory, file), 'utf8'));
  } catch {
    throw new ArchiveRejectedException(file, 'not valid JSON');
  }
}

function expectRows(manifest: Manifest, file: ArchiveFileName, rows: number): void {
  const listed = manifest.files.find((entry) => entry.name === file)!.rows;
  if (listed !== rows) {
    throw new ArchiveRejectedException(file, `${rows} rows where the manifest says ${listed}`);
  }
}

function dtoProblem(errors: ReturnType<typeof validateSync>): string | null {
  const flat = flattenValidationErrors(errors);
  return flat.length > 0 ? flat.map((e) => `${e.field}: ${e.message}`).join('; ') : null;
}

function checkSettings(value: unknown): ImportedSettings | null {
  if (value === null) return null;
  if (!isObject(value))
    throw new ArchiveRejectedException('settings.json', 'not an object or null');
  const dto = plainToInstance(UpdateSettingsDto, value);
  const problem = dtoProblem(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }));
  if (problem) throw new ArchiveRejectedException('settings.json', problem);
  for (const field of ['timezone', 'locale', 'currency', 'date_format']) {
    if (typeof value[field] !== 'string') {
      throw new ArchiveRejectedException('settings.json', `${field} is missing`);
    }
  }
  return value as unknown as ImportedSettings;
}

const COLOR = /^#[0-9a-f]{6}$/;

function checkBranding(value: unknown): ImportedBranding | null {
  if (value === null) return null;
  const fail = (problem: string) => new ArchiveRejectedException('branding.json', problem);
  if (!isObject(value)) throw fail('not an object or null');
  for (const field of ['primary_color', 'accent_color', 'background_color', 'text_color']) {
    if (typeof value[field] !== 'string' || !COLOR.test(value[field])) {
      throw fail(`${field} must be a colour like #1a2b3c`);
    }
  }
  const logo = value.logo_url;
  if (logo !== null && (typeof logo !== 'string' || !/^https:\/\/\S{1,2040}$/.test(logo))) {
    throw fail('logo_url must be an https:// URL or null');
  }
  const origins = value.embed_origins;
  if (
    !Array.isArray(origins) ||
    origins.length > 20 ||
    !origins.every((o) => typeof o === 'string' && o.length <= 2048)
  ) {
    throw fail('embed_origins must be a list of at most 20 origins');
  }
  return value as unknown as ImportedBranding;
}

function checkDashboard(value: unknown, number: number): ImportedDashboard {
  const fail = (problem: string) =>
    new ArchiveRejectedException('dashboards.ndjson', `line ${number}: ${problem}`);
  if (!isObject(value)) throw fail('not an object');
  const dto = plainToInstance(CreateDashboardDto, { name: value.name, widgets: value.widgets });
  const problem = dtoProblem(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }));
  if (problem) throw fail(problem);
  if (typeof value.is_default !== 'boolean') throw fail('is_default must be true or false');
  return {
    name: value.name as string,
    widgets: value.widgets as unknown[],
    is_default: value.is_default,
  };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}$/;

function checkUser(value: unknown, number: number): ImportedUser {
  const fail = (problem: string) =>
    new ArchiveRejectedException('users.ndjson', `line ${number}: ${problem}`);
  if (!isObject(value)) throw fail('not an object');
  if (typeof value.email !== 'string' || value.email.length > 254 || !EMAIL.test(value.email)) {
    throw fail('email is not an email address');
  }
  if (!(ROLES as readonly unknown[]).includes(value.role)) throw fail('role is not a known role');
  if (value.status !== 'active' && value.status !== 'disabled') {
    throw fail('status must be active or disabled');
  }
  return { email: value.email, role: value.role as ImportedUser['role'], status: value.status };
}

/** Reads and checks every file the import writes except the events (see checkEvents). */
export async function readImportContent(
  directory: string,
  manifest: Manifest,
): Promise<ImportContent> {
  const settings = checkSettings(await readJsonFile(directory, 'settings.json'));
  expectRows(manifest, 'settings.json', settings ? 1 : 0);
  const branding = checkBranding(await readJsonFile(directory, 'branding.json'));
  expectRows(manifest, 'branding.json', branding ? 1 : 0);
  const dashboards: ImportedDashboard[] = [];
  for await (const line of linesOf(join(directory, 'dashboards.ndjson'), 'dashboards.ndjson')) {
    if (dashboards.length >= MAX_DASHBOARDS) {
      throw new ArchiveRejectedException('dashboards.ndjson', `more than ${MAX_DASHBOARDS}`);
    }
    const number = dashboards.length + 1;
    dashboards.push(checkDashboard(parseLine(line, 'dashboards.ndjson', number), number));
  }
  expectRows(manifest, 'dashboards.ndjson', dashboards.length);
  if (dashboards.filter((d) => d.is_default).length > 1) {
    throw new ArchiveRejectedException('dashboards.ndjson', 'more than one default dashboard');
  }
  const users: ImportedUser[] = [];
  const emails = new Set<string>();
  for await (const line of linesOf(join(directory, 'users.ndjson'), 'users.ndjson')) {
    if (users.length >= MAX_USERS) {
      throw new ArchiveRejectedException('users.ndjson', `more than ${MAX_USERS} users`);
    }
    const number = users.length + 1;
    const user = checkUser(parseLine(line, 'users.ndjson', number), number);
    const key = user.email.trim().toLowerCase();
    if (emails.has(key)) {
      throw new ArchiveRejectedException('users.ndjson', `line ${number}: email appears twice`);
    }
    emails.add(key);
    users.push(user);
  }
  expectRows(manifest, 'users.ndjson', users.length);
  return { settings, branding, dashboards, users };
}

/** One exported event line, checked as the ingestion API checks an event (schema, text, size). */
function toEventRow(tenantId: string, value: unknown, number: number, now: number): EventRow {
  const fail = (problem: string) =>
    new ArchiveRejectedException('events.ndjson.gz', `line ${number}: ${problem}`);
  if (!isObject(value)) throw fail('not an object');
  const { received_at: receivedAt, ...event } = value;
  if (!isRfc3339Timestamp(receivedAt)) throw fail('received_at is not an RFC 3339 timestamp');
  const check = checkEvent(event, now, NO_RETENTION_DAYS);
  if (!check.ok) throw fail(check.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  return {
    tenantId,
    eventId: check.event.event_id.toLowerCase(),
    eventType: check.event.event_type,
    timestamp: check.timestamp,
    userId: check.event.user_id ?? '',
    sessionId: check.event.session_id ?? '',
    properties: check.event.properties ?? {},
    receivedAt: new Date(receivedAt),
  };
}

/**
 * Streams the events file in batches of checked rows. Run once with `write` unset to check every
 * line (and the count against the manifest) before anything is stored, then again to write.
 */
export async function forEachEventBatch(
  directory: string,
  manifest: Manifest,
  tenantId: string,
  batchSize: number,
  write?: (rows: EventRow[]) => Promise<void>,
): Promise<number> {
  const now = Date.now();
  let batch: EventRow[] = [];
  let count = 0;
  for await (const line of linesOf(join(directory, 'events.ndjson.gz'), 'events.ndjson.gz')) {
    count += 1;
    const row = toEventRow(tenantId, parseLine(line, 'events.ndjson.gz', count), count, now);
    if (!write) continue;
    batch.push(row);
    if (batch.length >= batchSize) {
      await write(batch);
      batch = [];
    }
  }
  if (write && batch.length > 0) await write(batch);
  expectRows(manifest, 'events.ndjson.gz', count);
  return count;
}
