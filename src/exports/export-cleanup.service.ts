import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { EXPORT_FILE_DAYS, ExportFilesService } from './export-files.service';

export const EXPORT_FILES_REMOVED = 'tenantry_data_export_files_removed_total';

/** One clean-up run: export files older than EXPORT_FILE_DAYS go. Idempotent. */
@Injectable()
export class ExportCleanupService {
  constructor(
    private readonly files: ExportFilesService,
    @InjectMetric(EXPORT_FILES_REMOVED) private readonly removedFiles: Counter<string>,
  ) {}

  async removeExpired(now = new Date()): Promise<{ removed: number }> {
    const cutoff = new Date(now.getTime() - EXPORT_FILE_DAYS * 86_400_000);
    const removed = await this.files.removeOlderThan(cutoff);
    this.removedFiles.inc(removed);
    return { removed };
  }
}
