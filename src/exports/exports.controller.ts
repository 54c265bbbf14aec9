import { Body, Controller, Get, HttpCode, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { PageQuery } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { OutsideTenantTransaction } from '../tenancy/scope/access-policy';
import { Actor } from '../tenancy/scope/actor';
import { CurrentTenant } from '../tenancy/scope/current-tenant';
import { RequirePermissions } from '../tenancy/scope/require-permissions.decorator';
import type { Tenant } from '../tenancy/tenant.entity';
import { CreateExportDto } from './dto/create-export.dto';
import { ExportPageResponse, ExportResponse } from './dto/export.response';
import { ExportsService } from './exports.service';

@ApiTags('exports')
@Controller('v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Post()
  @HttpCode(202)
  @RequirePermissions('data:export')
  @OutsideTenantTransaction()
  @ApiOperation({
    summary: "Start an export of the calling tenant's data (asynchronous)",
    description:
      'One .tar.gz: manifest.json (tables, row counts, SHA-256 of every file, schema version, ' +
      'time range), settings, branding, users (no password hashes), API keys (prefix and ' +
      'scopes, no secrets), dashboards, audit log, daily usage, invoices, and the events of ' +
      'the range as gzip NDJSON. Follow it with GET /v1/exports/{id}.',
  })
  @ApiAcceptedResponse({ type: ExportResponse })
  @ApiConflictResponse({ description: 'An export of this tenant is still queued or running' })
  async create(
    @Body() input: CreateExportDto,
    @CurrentTenant() tenant: Tenant,
    @Actor() actor: Actor,
  ): Promise<ExportResponse> {
    return ExportResponse.from(await this.exports.request(input, tenant, actor));
  }

  @Get()
  @RequirePermissions('data:export')
  @ApiOperation({ summary: "The calling tenant's exports, newest first" })
  @ApiOkResponse({ type: ExportPageResponse })
  async list(@Query() query: PageQuery): Promise<ExportPageResponse> {
    const page = await this.exports.list(query);
    return { ...page, data: page.data.map((row) => ExportResponse.from(row)) };
  }

  @Get(':id')
  @RequirePermissions('data:export')
  @ApiOperation({ summary: 'One export: status and progress (percent, rows written)' })
  @ApiOkResponse({ type: ExportResponse })
  @ApiNotFoundResponse()
  async get(@UuidParam('id') id: string): Promise<ExportResponse> {
    return ExportResponse.from(await this.exports.get(id));
  }

  @Get(':id/download')
  @RequirePermissions('data:export')
  @ApiOperation({
    summary: 'The archive of a completed export (.tar.gz), for 24 hours after completion',
  })
  @ApiProduces('application/gzip')
  @ApiOkResponse({
    content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
    description: 'The archive; X-Content-SHA256 carries its SHA-256',
  })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The export is not completed yet (or failed)' })
  @ApiGoneResponse({ description: 'The 24-hour link expired, or the file was removed' })
  async download(
    @UuidParam('id') id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const { row, file } = await this.exports.download(id);
    response.setHeader('X-Content-SHA256', row.fileSha256 ?? '');
    response.setHeader('Cache-Control', 'no-store');
    return file;
  }
}
