import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A format-1 manifest as scripts/backup.sh writes it (docs/disaster-recovery.md). */
export function manifest(id: string, finishedAt: string, overrides: Record<string, unknown> = {}) {
  return {
    format: 1,
    id,
    started_at: finishedAt,
    finished_at: finishedAt,
    duration_seconds: 12.3,
    size_bytes: 123_456_789,
    phases: { kafka_offsets: 0.4, clickhouse: 1.2, postgres: 8.1, checksums: 0.3 },
    postgres: {
      start_lsn: '8/4A000028',
      end_lsn: '8/4A000138',
      start_wal: '00000001000000080000004A',
      timeline: 1,
      end_time: finishedAt,
      cluster_bytes: 9_000_000_000,
      size_bytes: 2_000_000_000,
    },
    clickhouse: {
      size_bytes: 123,
      databases: [
        {
          name: 'tenantry',
          schema_versions: [1, 2, 3, 4],
          tables: [
            { name: 'events', engine: 'ReplacingMergeTree', frozen: true, rows: 10_000, parts: [] },
            { name: 'events_daily', engine: 'SummingMergeTree', frozen: true, rows: 25, parts: [] },
            {
              name: 'events_daily_mv',
              engine: 'MaterializedView',
              frozen: false,
              rows: 0,
              parts: [],
            },
          ],
        },
      ],
    },
    kafka: { cluster_id: 'abc', recorded_at: finishedAt, groups: {} },
    ...overrides,
  };
}

/** A scratch BACKUP_DIR with helpers to lay out runs in it. */
export class BackupFolder {
  readonly dir = mkdtempSync(join(tmpdir(), 'tenantry-backups-'));

  /** A run folder; with `document` its manifest.json (a string is written as is). */
  run(id: string, document?: unknown): string {
    const folder = join(this.dir, 'backups', id);
    mkdirSync(folder, { recursive: true });
    if (document !== undefined) this.write(join(folder, 'manifest.json'), document);
    return folder;
  }

  verified(id: string, document: unknown): void {
    this.write(join(this.dir, 'backups', id, 'verified.json'), document);
  }

  lastFailure(document: unknown): void {
    this.write(join(this.dir, 'last-failure.json'), document);
  }

  /** Rewrites a file with a later mtime, so a cached parse cannot stand in for it. */
  touchLater(path: string, seconds: number): void {
    const at = new Date(Date.now() + seconds * 1000);
    utimesSync(path, at, at);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private write(path: string, document: unknown): void {
    writeFileSync(path, typeof document === 'string' ? document : JSON.stringify(document));
  }
}

/** A run id for `iso` (whole seconds): 2026-11-30T14:25:00Z → 20261130T142500Z. */
export function runId(iso: string): string {
  return `${iso.slice(0, 19).replace(/[-:]/g, '')}Z`;
}
