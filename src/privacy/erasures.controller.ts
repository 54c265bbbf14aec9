import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { PageQuery } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { Actor } from '../tenancy/scope/actor';
import { CurrentTenant } from '../tenancy/scope/current-tenant';
import { OutsideTenantTransaction } from '../tenancy/scope/access-policy';
import { RequirePermissions } from '../tenancy/scope/require-permissions.decorator';
import type { Tenant } from '../tenancy/tenant.entity';
import { CreateErasureDto } from './dto/create-erasure.dto';
import { ErasurePageResponse, ErasureResponse } from './dto/erasure.response';
import { ErasuresService } from './erasures.service';

@ApiTags('privacy')
@Controller('v1/privacy/erasures')
export class ErasuresController {
  constructor(private readonly erasures: ErasuresService) {}

  @Post()
  @HttpCode(202)
  @RequirePermissions('privacy:write')
  // The request commits before its job is queued; the job must find it.
  @OutsideTenantTransaction()
  @ApiOperation({
    summary: "Erase one end user's events from every event store, rollups recomputed",
    description:
      'Asynchronous: answers with the request, whose status tells when it is done. Events of ' +
      'that user sent up to the request (its `cutoff`) are erased at once and again at ' +
      '`recheck_after`, which catches events still in flight through Kafka.',
  })
  @ApiAcceptedResponse({ type: ErasureResponse })
  @ApiConflictResponse({ description: 'Too many erasures of this tenant waiting or running' })
  async create(
    @Body() input: CreateErasureDto,
    @CurrentTenant() tenant: Tenant,
    @Actor() actor: Actor,
  ): Promise<ErasureResponse> {
    return ErasureResponse.from(await this.erasures.request(tenant.id, input.user_id, actor));
  }

  @Get()
  @RequirePermissions('privacy:read')
  @ApiOperation({ summary: "The tenant's erasure requests, newest first" })
  @ApiOkResponse({ type: ErasurePageResponse })
  async list(@Query() query: PageQuery): Promise<ErasurePageResponse> {
    const page = await this.erasures.list(query.page, query.limit);
    return {
      data: page.data.map((request) => ErasureResponse.from(request)),
      total: page.total,
      page: query.page,
      limit: query.limit,
    };
  }

  @Get(':id')
  @RequirePermissions('privacy:read')
  @ApiOperation({ summary: 'One erasure request: status and rows removed per store' })
  @ApiOkResponse({ type: ErasureResponse })
  @ApiNotFoundResponse()
  async get(@UuidParam('id') id: string): Promise<ErasureResponse> {
    return ErasureResponse.from(await this.erasures.get(id));
  }
}
