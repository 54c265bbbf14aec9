import { ApiProperty } from '@nestjs/swagger';
import { EXPORT_STATUSES, type DataExport } from '../data-export.entity';

class ExportProgressResponse {
  @ApiProperty({ minimum: 0, maximum: 100 }) percent: number;
  @ApiProperty({ description: 'Rows written to the archive so far (every table)' })
  rows_written: number;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Events in the range, once counted',
  })
  events_total: number | null;
}

class ExportRangeResponse {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
}

class ExportFileResponse {
  @ApiProperty() bytes: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) sha256: string;
  @ApiProperty({ description: 'GET this path (same credentials) for the .tar.gz' })
  download_path: string;
  @ApiProperty({ format: 'date-time', description: 'The download answers 410 after this' })
  download_expires_at: string;
}

export class ExportResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: EXPORT_STATUSES }) status: string;
  @ApiProperty({ type: ExportProgressResponse }) progress: ExportProgressResponse;
  @ApiProperty({ type: ExportRangeResponse }) time_range: ExportRangeResponse;
  @ApiProperty({ type: 'string', enum: ['clickhouse', 'postgres'], nullable: true })
  event_store: string | null;
  @ApiProperty({ type: ExportFileResponse, nullable: true }) file: ExportFileResponse | null;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  completed_at: string | null;

  static from(row: DataExport): ExportResponse {
    const file =
      row.status === 'completed' && row.fileSha256 && row.expiresAt
        ? {
            bytes: row.fileBytes ?? 0,
            sha256: row.fileSha256,
            download_path: `/v1/exports/${row.id}/download`,
            download_expires_at: row.expiresAt.toISOString(),
          }
        : null;
    return {
      id: row.id,
      status: row.status,
      progress: {
        percent: row.progressPercent,
        rows_written: row.rowsWritten,
        events_total: row.eventsTotal,
      },
      time_range: { from: row.rangeFrom.toISOString(), to: row.rangeTo.toISOString() },
      event_store: row.eventStore,
      file,
      error: row.error,
      created_at: row.createdAt.toISOString(),
      started_at: row.startedAt?.toISOString() ?? null,
      completed_at: row.completedAt?.toISOString() ?? null,
    };
  }
}

export class ExportPageResponse {
  @ApiProperty({ type: [ExportResponse] }) data: ExportResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
