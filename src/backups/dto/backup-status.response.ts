import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class PostgresBackupResponse {
  @ApiProperty({
    description: 'The WAL position the base backup is consistent from',
    example: '8/4A000138',
  })
  end_lsn: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) timeline: number;
}

class ClickHouseBackupResponse {
  @ApiProperty({ type: [String], description: 'The databases frozen and copied' })
  databases: string[];
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: "Rows copied: the frozen tables' parts and the small tables dumped as rows",
  })
  rows: number;
}

class KafkaBackupResponse {
  @ApiProperty({ description: 'The cluster whose committed offsets the run recorded' })
  cluster_id: string;
}

class BackupVerificationResponse {
  @ApiProperty({ type: 'string', format: 'date-time' }) verified_at: string;
  @ApiProperty({ description: 'true: restored and checked; false: checksums only' }) deep: boolean;
  @ApiProperty() ok: boolean;
}

class BackupLastVerifiedResponse extends BackupVerificationResponse {
  @ApiProperty({ description: 'The run verified' }) id: string;
}

class BackupLastSuccessResponse {
  @ApiProperty({ description: 'The run id: its start, UTC', example: '20261130T142500Z' })
  id: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) finished_at: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) age_seconds: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) size_bytes: number;
  @ApiProperty({ minimum: 0 }) duration_seconds: number;
  @ApiProperty({ type: PostgresBackupResponse }) postgres: PostgresBackupResponse;
  @ApiProperty({
    type: ClickHouseBackupResponse,
    nullable: true,
    description: 'null: ClickHouse not backed up',
  })
  clickhouse: ClickHouseBackupResponse | null;
  @ApiProperty({
    type: KafkaBackupResponse,
    nullable: true,
    description: 'null: no Kafka (embedded ingestion)',
  })
  kafka: KafkaBackupResponse | null;
}

class BackupLastFailureResponse {
  @ApiProperty({ type: 'string', format: 'date-time' }) at: string;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The run that failed, when it had one',
  })
  id: string | null;
  @ApiProperty({ description: 'The step that failed (e.g. preflight, postgres, clickhouse)' })
  phase: string;
  @ApiProperty() message: string;
}

class WalArchiveStatusResponse {
  @ApiProperty({ type: 'integer', minimum: 0 }) archived_count: number;
  @ApiProperty({ type: 'string', nullable: true }) last_archived_wal: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  last_archived_at: string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) failed_count: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  last_failed_at: string | null;
}

class BackupRunResponse {
  @ApiProperty() id: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) finished_at: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) size_bytes: number;
  @ApiProperty({ minimum: 0 }) duration_seconds: number;
  @ApiProperty({
    type: BackupVerificationResponse,
    nullable: true,
    description: 'null: never verified',
  })
  verified: BackupVerificationResponse | null;
}

/** GET /admin/backups. */
export class BackupStatusResponse {
  @ApiProperty({ description: 'false: BACKUP_DIR is not set; nothing else is then known' })
  configured: boolean;
  @ApiPropertyOptional({ description: 'BACKUP_DIR, when configured' })
  backup_dir?: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) retention_days: number;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'BACKUP_MAX_AGE_SECONDS' })
  max_age_seconds: number;
  @ApiProperty({ description: 'No successful backup, or the last is older than max_age_seconds' })
  stale: boolean;
  @ApiProperty({ type: BackupLastSuccessResponse, nullable: true })
  last_success: BackupLastSuccessResponse | null;
  @ApiProperty({
    type: BackupLastFailureResponse,
    nullable: true,
    description: 'The last failed run, only when it is newer than the last success',
  })
  last_failure: BackupLastFailureResponse | null;
  @ApiProperty({
    type: BackupLastVerifiedResponse,
    nullable: true,
    description: 'The latest verification',
  })
  last_verified: BackupLastVerifiedResponse | null;
  @ApiProperty({
    type: WalArchiveStatusResponse,
    nullable: true,
    description: "PostgreSQL's WAL archiver (pg_stat_archiver); null when it could not be read",
  })
  wal_archive: WalArchiveStatusResponse | null;
  @ApiProperty({
    type: [BackupRunResponse],
    description: 'Complete runs, newest first, at most `limit` (of the newest 200 run folders)',
  })
  backups: BackupRunResponse[];
}
