import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { PlatformAuditService } from '../audit/platform/platform-audit.service';
import type { Environment } from '../config/environment';
import { REPO_ROOT } from '../config/stack-env';
import { type CommandResult, runBash } from './backup-command';
import { BackupCatalogueService } from './backup-catalogue.service';
import { parseFailure } from './backup-manifest';

export interface BackupOutcome {
  id: string;
  size_bytes: number;
  duration_seconds: number;
}

type Phase = 'create' | 'prune';

const AUDIT_ACTOR = { type: 'system', id: 'platform-backups', ip: null, userAgent: null } as const;
const MESSAGE_MAX = 2_000;

/** A run that failed; its phase and message are what last-failure.json and the log say. */
class BackupRunFailed extends Error {
  constructor(
    readonly phase: Phase,
    readonly detail: string,
    readonly backupId: string | null,
  ) {
    super(`backup ${phase} failed: ${detail}`);
  }
}

/**
 * One scheduled backup: `bash <BACKUP_SCRIPT> create --json`, then `prune`, within
 * BACKUP_TIMEOUT_SECONDS for both. Success is a new complete run in the catalogue, not only the
 * script's exit code. A failure is logged, audited, recorded in last-failure.json (unless the
 * script already did) and thrown, so the job's run fails where /health/jobs shows it.
 */
@Injectable()
export class BackupRunner implements OnApplicationShutdown {
  private readonly logger = new Logger(BackupRunner.name);
  private readonly script: string;
  private readonly timeoutMs: number;
  private readonly retentionDays: number;
  private readonly shutdown = new AbortController();

  constructor(
    config: ConfigService<Environment, true>,
    private readonly catalogue: BackupCatalogueService,
    private readonly platformAudit: PlatformAuditService,
  ) {
    const script = config.get('BACKUP_SCRIPT', { infer: true }) ?? 'scripts/backup.sh';
    this.script = isAbsolute(script) ? script : join(REPO_ROOT, script);
    this.timeoutMs = config.get('BACKUP_TIMEOUT_SECONDS', { infer: true }) * 1000;
    this.retentionDays = config.get('BACKUP_RETENTION_DAYS', { infer: true });
  }

  /** A backup cut short by shutdown is a failed run; the next scheduled one makes a new one. */
  onApplicationShutdown(): void {
    this.shutdown.abort();
  }

  async run(): Promise<BackupOutcome> {
    const dir = this.catalogue.directory;
    if (!dir) throw new Error('BACKUP_DIR is not set: backups are not configured');
    const started = new Date();
    const failureBefore = await readText(join(dir, 'last-failure.json'));
    try {
      const created = await this.create(dir, started);
      await this.prune(dir, started);
      await this.audit('backup.created', created.id, { ...created });
      return created;
    } catch (error) {
      const failure =
        error instanceof BackupRunFailed
          ? error
          : new BackupRunFailed('create', (error as Error).message, null);
      await this.recordFailure(dir, failureBefore, failure);
      throw failure;
    }
  }

  private async create(dir: string, started: Date): Promise<BackupOutcome> {
    const result = await this.step('create', dir, started, ['create', '--json']);
    const reportedId = lastJsonLine(result.stdout)?.id;
    const catalogue = await this.catalogue.read();
    const runs = catalogue.configured ? catalogue.runs : [];
    const run =
      typeof reportedId === 'string'
        ? runs.find((r) => r.id === reportedId)
        : runs.find((r) => Date.parse(r.finished_at) >= started.getTime() - 1000);
    if (!run) {
      throw new BackupRunFailed(
        'create',
        'the script exited 0 but no new complete run (backups/<id>/manifest.json) is in BACKUP_DIR',
        typeof reportedId === 'string' ? reportedId : null,
      );
    }
    const outcome = {
      id: run.id,
      size_bytes: run.size_bytes,
      duration_seconds: run.duration_seconds,
    };
    this.logger.log({ msg: 'backup created', phase: 'create', backup_id: run.id, ...outcome });
    return outcome;
  }

  private async prune(dir: string, started: Date): Promise<void> {
    const before = Date.now();
    await this.step('prune', dir, started, ['prune']);
    this.logger.log({
      msg: 'backups pruned',
      phase: 'prune',
      seconds: (Date.now() - before) / 1000,
    });
  }

  /** Runs one phase of the script within what is left of the run's time. */
  private async step(
    phase: Phase,
    dir: string,
    started: Date,
    args: string[],
  ): Promise<CommandResult> {
    const timeoutMs = Math.max(1, this.timeoutMs - (Date.now() - started.getTime()));
    this.logger.log({ msg: `backup ${phase} started`, phase, script: this.script });
    let result: CommandResult;
    try {
      result = await runBash(this.script, args, {
        cwd: REPO_ROOT,
        // The script works on the folder the app reports on, whatever the process was started with.
        env: { ...process.env, BACKUP_DIR: dir, BACKUP_RETENTION_DAYS: String(this.retentionDays) },
        timeoutMs,
        signal: this.shutdown.signal,
        // The script reports each step on stderr: the log shows how far a long backup got.
        onProgress: (line) => this.logger.log({ msg: 'backup progress', phase, line }),
      });
    } catch (error) {
      throw new BackupRunFailed(phase, `could not start bash: ${(error as Error).message}`, null);
    }
    if (result.code === 0 && !result.timedOut) return result;
    const why = result.timedOut
      ? `stopped after BACKUP_TIMEOUT_SECONDS (${this.timeoutMs / 1000}s)`
      : this.shutdown.signal.aborted
        ? 'stopped: the app shut down'
        : result.signal
          ? `killed by ${result.signal}`
          : `exit code ${result.code}`;
    const said = lastLines(result.stderr || result.stdout);
    const reportedId = lastJsonLine(result.stdout)?.id;
    throw new BackupRunFailed(
      phase,
      said ? `${why}: ${said}` : why,
      typeof reportedId === 'string' ? reportedId : null,
    );
  }

  private async recordFailure(
    dir: string,
    failureBefore: string | null,
    failure: BackupRunFailed,
  ): Promise<void> {
    this.logger.error({
      msg: 'backup failed',
      phase: failure.phase,
      backup_id: failure.backupId,
      error: failure.detail,
    });
    const path = join(dir, 'last-failure.json');
    try {
      const now = await readText(path);
      // The script records its own failures, with the phase it knows best: keep one it wrote
      // during this run (the file changed since the run began and reads as a failure).
      const scriptRecorded = now !== null && now !== failureBefore && parseFailure(parseJson(now));
      if (!scriptRecorded) {
        const record = {
          at: new Date().toISOString(),
          id: failure.backupId ?? '',
          phase: failure.phase,
          message: failure.detail.slice(0, MESSAGE_MAX),
        };
        // A script that failed before anything else may not have made the folder yet.
        await mkdir(dir, { recursive: true });
        await writeFile(`${path}.tmp`, `${JSON.stringify(record)}\n`);
        await rename(`${path}.tmp`, path);
      }
    } catch (error) {
      this.logger.error({ msg: 'last-failure.json not written', error: (error as Error).message });
    }
    await this.audit('backup.failed', failure.backupId, {
      phase: failure.phase,
      message: failure.detail.slice(0, MESSAGE_MAX),
    });
  }

  /** Backups are platform actions: each run's outcome goes to the platform audit log. */
  private async audit(
    action: string,
    id: string | null,
    details: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.platformAudit.record(
        { action, resourceType: 'backup', resourceId: id, details },
        AUDIT_ACTOR,
      );
    } catch (error) {
      this.logger.error({ msg: 'backup not audited', action, error: (error as Error).message });
    }
  }
}

/** last-failure.json's text (a few hundred bytes; anything past 64 KiB is not one). */
async function readText(path: string): Promise<string | null> {
  try {
    if ((await stat(path)).size > 64 * 1024) return null;
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The script's `--json` report: its last stdout line that is a JSON object. */
function lastJsonLine(stdout: string): Record<string, unknown> | null {
  for (const line of stdout.trim().split('\n').reverse()) {
    if (!line.trim().startsWith('{')) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return null;
}

/** The last few lines a failing script printed: where it says why. */
function lastLines(output: string): string {
  return output.trim().split('\n').slice(-5).join('\n').slice(-MESSAGE_MAX);
}
