import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { ListQueryCostsQuery } from './dto/list-query-costs.query';
import { QueryCostPageResponse, QueryCostResponse } from './dto/query-cost.response';
import { QueryCostService } from './query-cost.service';

@ApiTags('usage')
@Controller('v1/usage/queries')
export class QueryCostsController {
  constructor(private readonly costs: QueryCostService) {}

  @Get()
  @RequirePermissions('analytics:read')
  @ApiOperation({
    summary: "The calling tenant's analytics queries, newest first, with what each read and cost",
    description:
      'Estimated cost: $0.000001 per row read plus $0.00001 per second, times the kind ' +
      '(funnel and retention x2). Rows and bytes read are the store’s own counts: ClickHouse’s ' +
      'query statistics, PostgreSQL’s per-transaction table counters.',
  })
  @ApiOkResponse({ type: QueryCostPageResponse })
  async list(@Query() query: ListQueryCostsQuery): Promise<QueryCostPageResponse> {
    const page = await this.costs.list(query);
    return {
      data: page.data.map((row) => QueryCostResponse.from(row)),
      total: page.total,
      page: page.page,
      limit: page.limit,
      total_cost: page.totalCost,
    };
  }
}
