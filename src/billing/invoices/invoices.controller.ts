import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { newNonce } from '../../analytics/embed/embed-headers';
import { BrandingService } from '../../branding/branding.service';
import { PageQuery } from '../../common/pagination';
import { UuidParam } from '../../common/uuid-param';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import type { Tenant } from '../../tenancy/tenant.entity';
import { InvoicePageResponse, InvoiceResponse } from './dto/invoice.response';
import { renderInvoicePage } from './invoice-page';
import { setInvoicePageHeaders } from './invoice-page.headers';
import { InvoicesService } from './invoices.service';

@ApiExtraModels(InvoiceResponse)
@ApiTags('invoices')
@Controller('v1/invoices')
export class InvoicesController {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly branding: BrandingService,
  ) {}

  @Get()
  @RequirePermissions('settings:read')
  @ApiOperation({ summary: "The calling tenant's finalised invoices, newest period first" })
  @ApiOkResponse({ type: InvoicePageResponse })
  async list(@Query() query: PageQuery): Promise<InvoicePageResponse> {
    const page = await this.invoices.list(query);
    return { ...page, data: page.data.map((invoice) => InvoiceResponse.from(invoice)) };
  }

  @Get('upcoming')
  @RequirePermissions('settings:read')
  @ApiOperation({
    summary: "The current period's invoice as it stands (a draft: status draft, no number)",
    description:
      'Base price prorated by seconds over the plan versions held this calendar month (UTC), ' +
      'the current one to the end of the month; overage on the events accepted so far.',
  })
  @ApiOkResponse({ type: InvoiceResponse })
  @ApiNotFoundResponse({ description: 'The tenant holds no plan this period' })
  async upcoming(@CurrentTenant() tenant: Tenant): Promise<InvoiceResponse> {
    const draft = await this.invoices.upcoming(tenant);
    return InvoiceResponse.fromDraft(draft, await this.invoices.displayCurrency());
  }

  @Get(':id')
  @RequirePermissions('settings:read')
  @ApiOperation({
    summary: 'One finalised invoice: JSON, or with Accept: text/html a printable page',
    description:
      "The page is in the tenant's branding, static (no script), under a strict " +
      'Content-Security-Policy and Cache-Control: no-store.',
  })
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({
    content: {
      'application/json': { schema: { $ref: getSchemaPath(InvoiceResponse) } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiNotFoundResponse()
  async get(
    @UuidParam('id') id: string,
    @CurrentTenant() tenant: Tenant,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InvoiceResponse | string> {
    const invoice = await this.invoices.get(id);
    if (request.accepts(['application/json', 'text/html']) !== 'text/html') {
      return InvoiceResponse.from(invoice);
    }
    const branding = await this.branding.current();
    const nonce = newNonce();
    setInvoicePageHeaders(response, nonce);
    return renderInvoicePage(
      {
        tenantName: tenant.name,
        number: invoice.number,
        status: 'finalised',
        periodStart: invoice.periodStart,
        periodEnd: invoice.periodEnd,
        lines: invoice.lines,
        totalCents: invoice.totalCents,
        displayCurrency: invoice.displayCurrency,
      },
      branding,
      nonce,
    );
  }
}
