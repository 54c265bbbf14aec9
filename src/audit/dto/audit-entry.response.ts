import { ApiProperty } from '@nestjs/swagger';
import { ACTOR_TYPES, type AuditEntry } from '../audit-entry.entity';

export class AuditEntryResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ACTOR_TYPES }) actor_type: string;
  @ApiProperty({ nullable: true, type: String }) actor_id: string | null;
  @ApiProperty({ example: 'user.created' }) action: string;
  @ApiProperty({ example: 'user' }) resource_type: string;
  @ApiProperty({ nullable: true, type: String }) resource_id: string | null;
  @ApiProperty({ type: Object }) details: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty() cross_tenant_attempt: boolean;

  static from(entry: AuditEntry): AuditEntryResponse {
    return {
      id: entry.id,
      at: entry.at.toISOString(),
      actor_type: entry.actorType,
      actor_id: entry.actorId,
      action: entry.action,
      resource_type: entry.resourceType,
      resource_id: entry.resourceId,
      details: entry.details,
      ip: entry.ip,
      user_agent: entry.userAgent,
      cross_tenant_attempt: entry.crossTenantAttempt,
    };
  }
}

export class AuditPageResponse {
  @ApiProperty({ type: [AuditEntryResponse] }) data: AuditEntryResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
