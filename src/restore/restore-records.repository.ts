import type { Client } from 'pg';
import type { CatalogueQuery } from '../isolation/postgres-catalogue';
import type { ReplayMark } from './replay-marks-report';

/** A completed erasure as its row keeps it: the subject by digest only (its user id is gone). */
export interface CompletedErasure {
  tenantId: string;
  id: string;
  subjectDigest: string;
  cutoff: Date;
  completedAt: Date;
}

/**
 * What the post-restore reconciliation reads from (and writes to) the restored PostgreSQL, on
 * connections of its own: the owner role, which alone may read every tenant's erasure requests
 * (their platform_read policy, switched on for one transaction) and write the replay marks; the
 * platform role, for the isolation report's catalogue reads.
 */
export class RestoreRecordsRepository {
  constructor(private readonly clients: { owner: Client; platform: Client }) {}

  /** Tenants being purged or purged: none of their rows may be left in any store. */
  async deletedTenants(): Promise<string[]> {
    const { rows } = await this.clients.owner.query<{ id: string }>(
      `SELECT id::text AS id FROM tenants WHERE status IN ('purging', 'purged') ORDER BY id`,
    );
    return rows.map((row) => row.id);
  }

  /** Every tenant's erasures completed after `since`, oldest first. */
  async erasuresCompletedSince(since: Date): Promise<CompletedErasure[]> {
    const owner = this.clients.owner;
    await owner.query('BEGIN READ ONLY');
    try {
      await owner.query("SELECT set_config('tenantry.platform_read', 'on', true)");
      const { rows } = await owner.query<{
        tenant_id: string;
        id: string;
        subject_digest: string;
        cutoff: Date;
        completed_at: Date;
      }>(
        `SELECT tenant_id::text AS tenant_id, id::text AS id, subject_digest, cutoff, completed_at
           FROM erasure_requests
          WHERE status = 'completed' AND completed_at > $1
          ORDER BY completed_at, id`,
        [since],
      );
      return rows.map((row) => ({
        tenantId: row.tenant_id,
        id: row.id,
        subjectDigest: row.subject_digest,
        cutoff: row.cutoff,
        completedAt: row.completed_at,
      }));
    } finally {
      await owner.query('COMMIT');
    }
  }

  /**
   * The replay marks of this restore, in place of any earlier restore's: offsets restart when a
   * topic is recreated, so an older restore's marks could hide new messages from metering.
   */
  async replaceReplayMarks(restoreId: string, marks: ReplayMark[]): Promise<void> {
    const owner = this.clients.owner;
    await owner.query('BEGIN');
    try {
      await owner.query('DELETE FROM ingestion_replay_marks');
      for (const mark of marks) {
        await owner.query(
          `INSERT INTO ingestion_replay_marks (topic, partition, until_offset, restore_id)
           VALUES ($1, $2, $3, $4)`,
          [mark.topic, mark.partition, mark.untilOffset, restoreId],
        );
      }
      await owner.query('COMMIT');
    } catch (error) {
      await owner.query('ROLLBACK');
      throw error;
    }
  }

  /** Removes every replay mark (the replay is over); returns how many there were. */
  async clearReplayMarks(): Promise<number> {
    const result = await this.clients.owner.query('DELETE FROM ingestion_replay_marks');
    return result.rowCount ?? 0;
  }

  /** The isolation report's catalogue reads, as the platform role (as `npm run isolation-report`). */
  readonly catalogueQuery: CatalogueQuery = async <T>(text: string, values?: unknown[]) =>
    (await this.clients.platform.query(text, values)).rows as T[];
}
