import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReplayMarks } from './replay-marks';

/** The replay marks a restore left (ingestion_replay_marks, platform-owned), on the app role. */
@Injectable()
export class ReplayMarksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `topic`'s marks, read once when a consumer starts (never per message). */
  async marksOf(topic: string): Promise<ReplayMarks> {
    const rows: { partition: number; until_offset: string }[] = await this.dataSource.query(
      'SELECT partition, until_offset::text AS until_offset FROM ingestion_replay_marks WHERE topic = $1',
      [topic],
    );
    return new ReplayMarks(new Map(rows.map((row) => [row.partition, BigInt(row.until_offset)])));
  }
}
