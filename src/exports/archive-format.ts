import { ALL_MIGRATIONS } from '../../migrations';

/**
 * The export archive (a .tar.gz): manifest.json first, then one file per table. Import reads
 * exactly these names and nothing else, so no entry name from an archive ever becomes a path.
 */
export const ARCHIVE_FORMAT = 'tenantry-export';
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

/** Every file an archive may hold besides the manifest, and the table each comes from. */
export const ARCHIVE_FILES = {
  'settings.json': 'tenant_settings',
  'branding.json': 'tenant_branding',
  'users.ndjson': 'users',
  'api_keys.ndjson': 'api_keys',
  'dashboards.ndjson': 'dashboards',
  'audit_log.ndjson': 'audit_log',
  'usage_daily.ndjson': 'usage_daily',
  'invoices.ndjson': 'invoices',
  'events.ndjson.gz': 'events',
} as const;
export type ArchiveFileName = keyof typeof ARCHIVE_FILES;
export const ARCHIVE_FILE_NAMES = Object.keys(ARCHIVE_FILES) as ArchiveFileName[];

export function isArchiveFileName(name: string): name is ArchiveFileName {
  return Object.prototype.hasOwnProperty.call(ARCHIVE_FILES, name);
}

export interface ManifestFile {
  name: ArchiveFileName;
  table: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  format_version: number;
  /** The latest database migration the exporting app had run: the schema the rows follow. */
  schema_version: string;
  export_id: string;
  tenant: { id: string; slug: string; name: string };
  created_at: string;
  /** The events' time range, [from, to). */
  time_range: { from: string; to: string };
  event_store: 'clickhouse' | 'postgres';
  files: ManifestFile[];
}

/** The name of the newest migration this build knows. */
export function schemaVersion(): string {
  // The newest by its timestamp (the name's trailing digits), whatever the list's order.
  const stamp = (name: string) => Number(/(\d+)$/.exec(name)?.[1] ?? 0);
  return ALL_MIGRATIONS.map((migration) => migration.name).reduce((newest, name) =>
    stamp(name) > stamp(newest) ? name : newest,
  );
}

/** Migrations this build knows, oldest first: an archive from a newer schema is refused. */
export function knownSchemaVersions(): string[] {
  return ALL_MIGRATIONS.map((migration) => migration.name);
}
