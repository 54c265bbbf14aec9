import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../../database/platform.database';

export interface DroppedPartition {
  partition_name: string;
  rows_removed: number;
}

/**
 * The PostgreSQL events table's monthly partitions, as the platform role reaches them: only
 * through drop_expired_event_partitions() (migration 1763900000091), which decides on its own
 * which months every tenant's retention has passed.
 */
@Injectable()
export class EventPartitionsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async dropExpired(): Promise<DroppedPartition[]> {
    const rows = await this.platform.query<{ partition_name: string; rows_removed: string }[]>(
      'SELECT partition_name, rows_removed FROM public.drop_expired_event_partitions()',
    );
    return rows.map((row) => ({ ...row, rows_removed: Number(row.rows_removed) }));
  }
}
