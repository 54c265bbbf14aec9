import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../tenancy/scope/admin-only.decorator';
import { AdminInvoicesQuery } from './dto/admin-invoices.query';
import { AdminInvoicesResponse } from './dto/admin-invoices.response';
import { InvoicesService } from './invoices.service';

@ApiTags('admin: billing')
@AdminOnly()
@Controller('admin/invoices')
export class InvoicesAdminController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get()
  @ApiOperation({
    summary: "Every tenant's finalised invoice of one period (YYYY-MM), largest first, with totals",
  })
  @ApiOkResponse({ type: AdminInvoicesResponse })
  @ApiBadRequestResponse({ description: '`period` is not a month between 2000-01 and 2100-12' })
  forPeriod(@Query() query: AdminInvoicesQuery): Promise<AdminInvoicesResponse> {
    return this.invoices.forPeriod(query.period);
  }
}
