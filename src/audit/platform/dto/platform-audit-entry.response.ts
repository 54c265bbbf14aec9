import { ApiProperty } from '@nestjs/swagger';
import { AuditEntryResponse } from '../../dto/audit-entry.response';

export class PlatformAuditEntryResponse extends AuditEntryResponse {
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The tenant whose log holds the entry; null for platform events (admin logins)',
  })
  tenant_id: string | null;
}

export class PlatformAuditPageResponse {
  @ApiProperty({ type: [PlatformAuditEntryResponse] }) data: PlatformAuditEntryResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
