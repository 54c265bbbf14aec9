import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../database/platform.database';

export interface WalArchiveStatus {
  archived_count: number;
  last_archived_wal: string | null;
  last_archived_at: string | null;
  failed_count: number;
  last_failed_at: string | null;
}

/**
 * PostgreSQL's WAL archiver counters (pg_stat_archiver, cluster-wide, readable by any role),
 * through the platform connection like every /admin read. They count since the last stats reset.
 */
@Injectable()
export class WalArchiveRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async status(): Promise<WalArchiveStatus> {
    const [row] = await this.platform.query<
      {
        archived_count: string;
        last_archived_wal: string | null;
        last_archived_time: Date | null;
        failed_count: string;
        last_failed_time: Date | null;
      }[]
    >(
      'SELECT archived_count, last_archived_wal, last_archived_time, failed_count, last_failed_time FROM pg_stat_archiver',
    );
    const iso = (time: Date | null) => (time ? new Date(time).toISOString() : null);
    return {
      archived_count: Number(row.archived_count),
      last_archived_wal: row.last_archived_wal,
      last_archived_at: iso(row.last_archived_time),
      failed_count: Number(row.failed_count),
      last_failed_at: iso(row.last_failed_time),
    };
  }
}
