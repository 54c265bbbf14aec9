import { Controller, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { UuidParam } from '../../common/uuid-param';
import { Actor } from '../../tenancy/scope/actor';
import { AdminOnly } from '../../tenancy/scope/admin-only.decorator';
import { TenantImportResponse } from './tenant-import.response';
import { TenantImportService } from './tenant-import.service';

/** POST /admin/tenants/:id/import: an export archive into a new, empty tenant. */
@ApiTags('admin: tenants')
@AdminOnly()
@Controller('admin/tenants')
export class TenantImportController {
  constructor(private readonly imports: TenantImportService) {}

  @Post(':id/import')
  @ApiOperation({
    summary:
      'Import an export archive (.tar.gz of GET /v1/exports/{id}/download) into a new tenant',
    description:
      'The tenant must be active and empty (no events, no user but its owner). The archive is ' +
      'checked whole before anything is written (manifest, SHA-256 of every file, every row). ' +
      'Imported: settings, branding, dashboards (new ids), events (ids kept), users (invited ' +
      'anew: password-set tokens in the answer, 72 hours). Not imported: API keys (their ' +
      'secrets were never exported), audit log, usage, invoices.',
  })
  @ApiConsumes('application/gzip', 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiCreatedResponse({ type: TenantImportResponse })
  @ApiNotFoundResponse({ description: 'No such tenant' })
  @ApiConflictResponse({ description: 'The tenant is not active, or not empty' })
  @ApiPayloadTooLargeResponse({ description: 'Larger than IMPORT_MAX_MEGABYTES' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Not sent as application/gzip' })
  async import(
    @UuidParam('id') id: string,
    @Req() request: Request,
    @Actor() actor: Actor,
  ): Promise<TenantImportResponse> {
    return this.imports.import(id, request, actor);
  }
}
