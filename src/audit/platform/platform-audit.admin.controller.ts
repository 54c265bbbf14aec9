import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../tenancy/scope/admin-only.decorator';
import { ListPlatformAuditQuery } from './dto/list-platform-audit.query';
import { PlatformAuditPageResponse } from './dto/platform-audit-entry.response';
import { PlatformAuditService } from './platform-audit.service';

@ApiTags('admin: audit')
@AdminOnly()
@Controller('admin/audit-log')
export class PlatformAuditAdminController {
  constructor(private readonly audit: PlatformAuditService) {}

  @Get()
  @ApiOperation({
    summary:
      "Every tenant's audit entries and the platform's own (admin logins), newest first; filter by tenant, action, actor, time or cross-tenant attempts",
  })
  @ApiOkResponse({ type: PlatformAuditPageResponse })
  list(@Query() query: ListPlatformAuditQuery): Promise<PlatformAuditPageResponse> {
    return this.audit.list(query);
  }
}
