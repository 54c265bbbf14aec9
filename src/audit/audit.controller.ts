import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '../tenancy/scope/require-permissions.decorator';
import { AuditService } from './audit.service';
import { AuditEntryResponse, AuditPageResponse } from './dto/audit-entry.response';
import { ListAuditQuery } from './dto/list-audit.query';

@ApiTags('audit')
@Controller('v1/audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequirePermissions('audit:read')
  @ApiOperation({ summary: "The calling tenant's audit log, newest first" })
  @ApiOkResponse({ type: AuditPageResponse })
  async list(@Query() query: ListAuditQuery): Promise<AuditPageResponse> {
    const page = await this.audit.list(query);
    return { ...page, data: page.data.map((entry) => AuditEntryResponse.from(entry)) };
  }
}
