import Ajv from 'ajv';

/**
 * The backup folder's JSON documents as scripts/backup.sh writes them (the layout and manifest
 * format 1 are in docs/disaster-recovery.md): only the fields the catalogue reports are checked,
 * so a newer script adding fields is still read.
 */

/** A run id: the UTC time the run started, so ids sort by time. */
export const BACKUP_ID_PATTERN = /^\d{8}T\d{6}Z$/;

export interface BackupRun {
  id: string;
  finished_at: string;
  size_bytes: number;
  duration_seconds: number;
  postgres: { end_lsn: string; timeline: number };
  clickhouse: { databases: string[]; rows: number } | null;
  kafka: { cluster_id: string } | null;
}

export interface BackupVerification {
  verified_at: string;
  deep: boolean;
  ok: boolean;
}

export interface BackupFailure {
  at: string;
  id: string | null;
  phase: string;
  message: string;
}

interface RawManifest {
  format: 1;
  id: string;
  finished_at: string;
  size_bytes: number;
  duration_seconds: number;
  postgres: { end_lsn: string; timeline: number };
  clickhouse: { databases: { name: string; tables: { rows: number }[] }[] } | null;
  kafka: { cluster_id: string } | null;
}

const ajv = new Ajv({ strict: true, allowUnionTypes: true });
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const count = { type: 'number', minimum: 0 } as const;

const validManifest = ajv.compile<RawManifest>({
  type: 'object',
  required: ['format', 'id', 'finished_at', 'size_bytes', 'duration_seconds', 'postgres'],
  properties: {
    format: { const: 1 },
    id: { type: 'string', pattern: BACKUP_ID_PATTERN.source },
    finished_at: text(64),
    size_bytes: count,
    duration_seconds: count,
    postgres: {
      type: 'object',
      required: ['end_lsn', 'timeline'],
      properties: {
        end_lsn: { type: 'string', pattern: '^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$' },
        timeline: { type: 'integer', minimum: 1 },
      },
    },
    clickhouse: {
      type: ['object', 'null'],
      required: ['databases'],
      properties: {
        databases: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'tables'],
            properties: {
              name: text(256),
              tables: {
                type: 'array',
                items: { type: 'object', required: ['rows'], properties: { rows: count } },
              },
            },
          },
        },
      },
    },
    kafka: {
      type: ['object', 'null'],
      required: ['cluster_id'],
      properties: { cluster_id: text(256) },
    },
  },
});

const validVerification = ajv.compile<BackupVerification>({
  type: 'object',
  required: ['verified_at', 'deep', 'ok'],
  properties: { verified_at: text(64), deep: { type: 'boolean' }, ok: { type: 'boolean' } },
});

const validFailure = ajv.compile<{ at: string; id?: unknown; phase?: unknown; message?: unknown }>({
  type: 'object',
  required: ['at'],
  properties: { at: text(64) },
});

const isoTime = (value: string): string | null => {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};

/** The run `manifest.json` (already JSON-parsed) describes, or why it cannot be read as one. */
export function parseManifest(document: unknown, folder: string): BackupRun | string {
  if (!validManifest(document)) {
    const first = validManifest.errors?.[0];
    return `not a format-1 manifest: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim();
  }
  if (document.id !== folder) return `its id ${document.id} is not its folder's name`;
  const finishedAt = isoTime(document.finished_at);
  if (!finishedAt) return 'finished_at is not a time';
  const clickhouse = document.clickhouse;
  return {
    id: document.id,
    finished_at: finishedAt,
    size_bytes: document.size_bytes,
    duration_seconds: document.duration_seconds,
    postgres: { end_lsn: document.postgres.end_lsn, timeline: document.postgres.timeline },
    clickhouse: clickhouse && {
      databases: clickhouse.databases.map((database) => database.name),
      rows: clickhouse.databases
        .flatMap((database) => database.tables)
        .reduce((sum, table) => sum + table.rows, 0),
    },
    kafka: document.kafka && { cluster_id: document.kafka.cluster_id },
  };
}

/** A run's `verified.json`, or null when it does not say when and how it was verified. */
export function parseVerification(document: unknown): BackupVerification | null {
  if (!validVerification(document)) return null;
  const verifiedAt = isoTime(document.verified_at);
  return verifiedAt ? { verified_at: verifiedAt, deep: document.deep, ok: document.ok } : null;
}

/** `last-failure.json`, or null when it does not say when the failure was. */
export function parseFailure(document: unknown): BackupFailure | null {
  if (!validFailure(document)) return null;
  const at = isoTime(document.at);
  const short = (value: unknown) => (typeof value === 'string' ? value.slice(0, 2000) : '');
  if (!at) return null;
  return {
    at,
    id: typeof document.id === 'string' ? document.id.slice(0, 64) : null,
    phase: short(document.phase),
    message: short(document.message),
  };
}
