import { Controller, Get, HttpCode, NotFoundException, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../scope/access-policy';
import { TlsAskQuery } from './dto/tls-ask.query';
import { TlsAskResponse } from './dto/tls-ask.response';
import { TenantHostsService } from './tenant-hosts.service';
import { hostnameOf } from './host-name';

/**
 * Caddy's on-demand TLS `ask` endpoint (and any proxy that asks the same way): before issuing a
 * certificate for a name, the proxy asks here; 200 lets it, anything else refuses. Yes only for
 * `<slug>.<BASE_DOMAIN>` of an active tenant and a verified custom domain of an active tenant,
 * so nobody can make the proxy request certificates for arbitrary names pointed at it.
 *
 * Public and unthrottled on purpose: the one caller is the proxy, whose address a per-IP limit
 * would throttle for everyone. It is safe to hammer instead: the input is bounded, and answers,
 * yes and no, are cached in process (bounded, 30 seconds: TenantHostsService), so a name costs at most one
 * indexed lookup per TTL.
 */
@ApiTags('tls')
@Controller('tls')
export class TlsAskController {
  constructor(private readonly hosts: TenantHostsService) {}

  @Get('ask')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'May the reverse proxy get a TLS certificate for this name? (on-demand TLS `ask`)',
    description:
      '200 when `domain` is `<slug>.<BASE_DOMAIN>` of an active tenant or a verified custom ' +
      'domain of an active tenant; 404 otherwise. Answers are cached for 30 seconds.',
  })
  @ApiOkResponse({ type: TlsAskResponse })
  @ApiNotFoundResponse({ description: 'No active tenant is served on that name' })
  async ask(@Query() query: TlsAskQuery): Promise<TlsAskResponse> {
    const hostname = hostnameOf(query.domain);
    if (!hostname || !(await this.hosts.servesActiveTenant(hostname))) {
      throw new NotFoundException(`No active tenant is served on ${hostname ?? 'that name'}`);
    }
    return { domain: hostname };
  }
}
