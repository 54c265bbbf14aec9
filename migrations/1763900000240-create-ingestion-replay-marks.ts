import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole } from './support/isolation';

/**
 * Replay marks (issue 17): after a restore resets the consumer groups to a snapshot's offsets,
 * messages of a partition below its mark were already metered (usage, quota) before the
 * disaster, so the consumer stores them again but counts them no more. Platform-owned like
 * plans: no tenant_id, no RLS. Written by the owner (`npm run reconcile-restore --
 * --replay-marks`), read by the app role when a consumer starts.
 */
export class CreateIngestionReplayMarks1763900000240 implements MigrationInterface {
  name = 'CreateIngestionReplayMarks1763900000240';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE ingestion_replay_marks (
        topic varchar(249) NOT NULL,
        partition integer NOT NULL CHECK (partition >= 0),
        until_offset bigint NOT NULL CHECK (until_offset >= 0),
        restore_id varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (topic, partition)
      )`);
    await runner.query(`GRANT SELECT ON ingestion_replay_marks TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE ingestion_replay_marks');
  }
}
