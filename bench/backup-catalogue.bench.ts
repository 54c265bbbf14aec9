import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigService } from '@nestjs/config';
import { BackupCatalogueService, MAX_RUNS_READ } from '../src/backups/backup-catalogue.service';
import type { Environment } from '../src/config/environment';

export interface BackupCatalogueBenchResult {
  runFolders: number;
  manifestBytes: number;
  coldMs: number;
  warmP50Ms: number;
  warmP99Ms: number;
  heapAfterMb: number;
}

/** A manifest the size a year of daily partitions makes: 3 tables of 400 parts each. */
function manifest(id: string, finishedAt: string): string {
  const parts = Array.from({ length: 400 }, (_, i) => ({
    name: `2026${String(i % 12).padStart(2, '0')}_${i}_${i + 10}_2`,
    partition_id: '202611',
    rows: 25_000,
    bytes_on_disk: 1_100_000,
  }));
  const table = (name: string) => ({
    name,
    engine: 'ReplacingMergeTree',
    frozen: true,
    rows: 10_000_000,
    bytes_on_disk: 445_000_000,
    create_table_query: `CREATE TABLE tenantry.${name} (...) ENGINE = ReplacingMergeTree ORDER BY (tenant_id, ts)`,
    parts,
  });
  return JSON.stringify({
    format: 1,
    id,
    started_at: finishedAt,
    finished_at: finishedAt,
    duration_seconds: 600,
    size_bytes: 2_000_000_000,
    phases: {},
    postgres: { start_lsn: '8/4A000028', end_lsn: '8/4A000138', timeline: 1 },
    clickhouse: {
      size_bytes: 1,
      databases: [
        { name: 'tenantry', tables: ['events', 'events_daily', 'events_hourly'].map(table) },
      ],
    },
    kafka: null,
  });
}

/**
 * GET /admin/backups and each scrape read the catalogue: how long a read of a full folder (more
 * run folders than the 200 it reads, each manifest listing 1,200 parts) takes, first (every
 * manifest parsed) and then (parses cached, only stats and verified.json read), and the heap
 * the cached runs hold.
 */
export async function benchBackupCatalogue(
  log: (line: string) => void,
): Promise<BackupCatalogueBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-bench-backups-'));
  try {
    const runFolders = MAX_RUNS_READ + 165; // a year of daily runs
    let manifestBytes = 0;
    const start = Date.parse('2025-12-01T02:00:00Z');
    for (let i = 0; i < runFolders; i += 1) {
      const at = new Date(start + i * 86_400_000).toISOString();
      const id = `${at.slice(0, 19).replace(/[-:]/g, '')}Z`;
      mkdirSync(join(dir, 'backups', id), { recursive: true });
      const text = manifest(id, at);
      manifestBytes = text.length;
      writeFileSync(join(dir, 'backups', id, 'manifest.json'), text);
    }
    log(`${runFolders} run folders, manifests of ${Math.round(manifestBytes / 1024)} KiB`);
    const catalogue = new BackupCatalogueService({
      get: () => dir,
    } as unknown as ConfigService<Environment, true>);
    const cold = process.hrtime.bigint();
    await catalogue.read();
    const coldMs = Number(process.hrtime.bigint() - cold) / 1e6;
    const samples: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const t0 = process.hrtime.bigint();
      await catalogue.read();
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    samples.sort((a, b) => a - b);
    global.gc?.();
    return {
      runFolders,
      manifestBytes,
      coldMs,
      warmP50Ms: samples[Math.floor(samples.length * 0.5)],
      warmP99Ms: samples[samples.length - 1],
      heapAfterMb: process.memoryUsage().heapUsed / 1e6,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printBackupCatalogue(result: BackupCatalogueBenchResult): void {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log('Backup catalogue read (GET /admin/backups, each scrape)');
  console.log(`  run folders            ${result.runFolders} (newest ${MAX_RUNS_READ} read)`);
  console.log(`  manifest size          ${Math.round(result.manifestBytes / 1024)} KiB`);
  console.log(`  first read (parse all) ${ms(result.coldMs)}`);
  console.log(`  later reads p50 / max  ${ms(result.warmP50Ms)} / ${ms(result.warmP99Ms)}`);
  console.log(`  heap after (cached)    ${result.heapAfterMb.toFixed(1)} MB`);
}
