import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERASURE_STATUSES, type ErasureRequest } from '../erasure-request';

export class StoreRemovalResponse {
  @ApiProperty({ type: 'integer', description: 'Event rows removed' }) events: number;
  @ApiProperty({ type: 'integer', description: 'Rollup days recomputed without them' })
  rollup_days: number;
}

export class ErasureRemovedResponse {
  @ApiPropertyOptional({ type: StoreRemovalResponse }) postgres?: StoreRemovalResponse;
  @ApiPropertyOptional({ type: StoreRemovalResponse }) clickhouse?: StoreRemovalResponse;
}

/**
 * An erasure request as the API shows it. The end user's id is never shown back: the request
 * keeps it only while work is left, and identifies the subject by `subject_digest`, the SHA-256
 * hex of `<tenant id>:<user id>`.
 */
export class ErasureResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ERASURE_STATUSES }) status: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) subject_digest: string;
  @ApiProperty({
    format: 'date-time',
    description: 'Events sent (received or timestamped) up to this instant are erased',
  })
  cutoff: string;
  @ApiProperty({ format: 'date-time' }) requested_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completed_at: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the second pass removes events that were still in flight',
  })
  recheck_after: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) rechecked_at: string | null;
  @ApiProperty({ type: ErasureRemovedResponse }) removed: ErasureRemovedResponse;
  @ApiProperty({ nullable: true, type: String }) error: string | null;

  static from(request: ErasureRequest): ErasureResponse {
    const iso = (at: Date | null) => (at ? at.toISOString() : null);
    return {
      id: request.id,
      status: request.status,
      subject_digest: request.subjectDigest,
      cutoff: request.cutoff.toISOString(),
      requested_at: request.createdAt.toISOString(),
      started_at: iso(request.startedAt),
      completed_at: iso(request.completedAt),
      recheck_after: iso(request.recheckAfter),
      rechecked_at: iso(request.recheckedAt),
      removed: request.removed,
      error: request.error,
    };
  }
}

export class ErasurePageResponse {
  @ApiProperty({ type: [ErasureResponse] }) data: ErasureResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
