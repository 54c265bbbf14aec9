import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { UuidParam } from '../../common/uuid-param';
import { Caller } from '../../tenancy/scope/caller';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import type { Tenant } from '../../tenancy/tenant.entity';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyResponse, CreatedApiKeyResponse } from './dto/api-key.response';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

@ApiTags('api keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @RequirePermissions('api_keys:write')
  @ApiOperation({ summary: 'Create an API key; the key is shown in this answer only' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiForbiddenResponse({
    description:
      'A scope beyond the caller’s own permissions; events:write past the plan’s event ' +
      'sources limit (`resource`, `limit`, `current`)',
  })
  async create(
    @Body() input: CreateApiKeyDto,
    @Caller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
  ): Promise<CreatedApiKeyResponse> {
    const { key, record } = await this.apiKeys.create(input, caller, tenant);
    return { ...ApiKeyResponse.from(record), key };
  }

  @Get()
  @RequirePermissions('api_keys:read')
  @ApiOkResponse({ type: [ApiKeyResponse] })
  async list(): Promise<ApiKeyResponse[]> {
    return (await this.apiKeys.list()).map((key) => ApiKeyResponse.from(key));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions('api_keys:write')
  @ApiOperation({ summary: 'Revoke at once' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async revoke(@UuidParam('id') id: string): Promise<void> {
    await this.apiKeys.revoke(id);
  }
}
