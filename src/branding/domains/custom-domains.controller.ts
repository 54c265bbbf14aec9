import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { UuidParam } from '../../common/uuid-param';
import { OutsideTenantTransaction } from '../../tenancy/scope/access-policy';
import { Actor } from '../../tenancy/scope/actor';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import { RequireFeature } from '../../tenancy/scope/require-feature.decorator';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import type { Tenant } from '../../tenancy/tenant.entity';
import { CustomDomainsService, MAX_CUSTOM_DOMAINS_PER_TENANT } from './custom-domains.service';
import { CreateCustomDomainDto } from './dto/create-custom-domain.dto';
import { CustomDomainResponse } from './dto/custom-domain.response';

/**
 * White label: hostnames that serve the tenant's workspace and embedded dashboards once a DNS
 * TXT record proves the tenant controls them (see docs/custom-domains.md). Owners and admins,
 * on plans with white_label.
 */
@ApiTags('custom domains')
@Controller('v1/domains')
export class CustomDomainsController {
  constructor(private readonly domains: CustomDomainsService) {}

  @Post()
  @RequirePermissions('domains:write')
  @RequireFeature('white_label')
  @ApiOperation({
    summary: 'Add a custom domain; answers the TXT record that proves control of it',
    description:
      `Create the \`verification_record\` (TXT) and the \`routing_record\` (CNAME) at the ` +
      `domain's DNS provider, then POST …/verify. At most ${MAX_CUSTOM_DOMAINS_PER_TENANT} ` +
      'domains per tenant.',
  })
  @ApiCreatedResponse({ type: CustomDomainResponse })
  @ApiConflictResponse({
    description:
      'The name is already one of this tenant’s domains, is verified by another tenant, or the ' +
      'tenant has the most domains it may have (names `hostname`)',
  })
  async add(
    @Body() input: CreateCustomDomainDto,
    @CurrentTenant() tenant: Tenant,
  ): Promise<CustomDomainResponse> {
    const domain = await this.domains.add(input, tenant);
    return CustomDomainResponse.from(domain, this.domains.routingTarget(tenant));
  }

  @Get()
  @RequirePermissions('domains:read')
  @RequireFeature('white_label')
  @ApiOperation({ summary: "The tenant's custom domains, oldest first" })
  @ApiOkResponse({ type: [CustomDomainResponse] })
  async list(@CurrentTenant() tenant: Tenant): Promise<CustomDomainResponse[]> {
    const target = this.domains.routingTarget(tenant);
    return (await this.domains.list()).map((domain) => CustomDomainResponse.from(domain, target));
  }

  @Get(':id')
  @RequirePermissions('domains:read')
  @RequireFeature('white_label')
  @ApiOkResponse({ type: CustomDomainResponse })
  @ApiNotFoundResponse()
  async get(
    @UuidParam('id') id: string,
    @CurrentTenant() tenant: Tenant,
  ): Promise<CustomDomainResponse> {
    return CustomDomainResponse.from(
      await this.domains.get(id),
      this.domains.routingTarget(tenant),
    );
  }

  @Post(':id/verify')
  @HttpCode(200)
  @RequirePermissions('domains:write')
  @RequireFeature('white_label')
  // The DNS lookup may take seconds: no connection is held meanwhile.
  @OutsideTenantTransaction()
  @ApiOperation({
    summary: 'Look the TXT record up now; verified serves the tenant on the name',
    description:
      'Answers the domain with its new `status`: `verified`, or `failed` with `last_error` ' +
      'saying why (no TXT record, another value, the DNS lookup failed or timed out). A failed ' +
      'check of a verified domain stops serving it.',
  })
  @ApiOkResponse({ type: CustomDomainResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Another tenant has verified this name (names `hostname`)' })
  async verify(
    @UuidParam('id') id: string,
    @CurrentTenant() tenant: Tenant,
    @Actor() actor: Actor,
  ): Promise<CustomDomainResponse> {
    const domain = await this.domains.verify(id, tenant, actor);
    return CustomDomainResponse.from(domain, this.domains.routingTarget(tenant));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions('domains:write')
  @RequireFeature('white_label')
  @OutsideTenantTransaction()
  @ApiOperation({ summary: 'Remove a custom domain; its Host stops serving the tenant at once' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(
    @UuidParam('id') id: string,
    @CurrentTenant() tenant: Tenant,
    @Actor() actor: Actor,
  ): Promise<void> {
    await this.domains.remove(id, tenant, actor);
  }
}
