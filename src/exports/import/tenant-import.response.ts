import { ApiProperty } from '@nestjs/swagger';

class ImportSourceResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() slug: string;
  @ApiProperty({ format: 'uuid' }) export_id: string;
  @ApiProperty({ description: 'The latest migration of the exporting platform' })
  schema_version: string;
}

class ImportedCountsResponse {
  @ApiProperty() settings: boolean;
  @ApiProperty() branding: boolean;
  @ApiProperty() dashboards: number;
  @ApiProperty() users: number;
  @ApiProperty() events: number;
}

class NotImportedResponse {
  @ApiProperty() api_keys: number;
  @ApiProperty() audit_log: number;
  @ApiProperty() usage_daily: number;
  @ApiProperty() invoices: number;
}

class InvitedUserResponse {
  @ApiProperty() email: string;
  @ApiProperty() role: string;
  @ApiProperty({ enum: ['active', 'disabled'] }) status: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'For POST /auth/password; once' })
  password_set_token: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  password_set_expires_at: string | null;
}

export class TenantImportResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ type: ImportSourceResponse }) source: ImportSourceResponse;
  @ApiProperty({ type: ImportedCountsResponse }) imported: ImportedCountsResponse;
  @ApiProperty({ type: NotImportedResponse }) not_imported: NotImportedResponse;
  @ApiProperty({ type: [InvitedUserResponse] }) invited_users: InvitedUserResponse[];
  @ApiProperty({ type: [String], description: 'Archive users already in the tenant (its owner)' })
  existing_users_kept: string[];
}
