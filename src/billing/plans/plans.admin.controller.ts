import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../../tenancy/scope/actor';
import { AdminOnly } from '../../tenancy/scope/admin-only.decorator';
import { CreatePlanDto } from './dto/create-plan.dto';
import { ListPlansQuery } from './dto/list-plans.query';
import { PlanResponse } from './dto/plan.response';
import { PlansService } from './plans.service';

@ApiTags('admin: plans')
@AdminOnly()
@Controller('admin/plans')
export class PlansAdminController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @ApiOperation({ summary: 'The plan catalogue: current versions, or every version with all=true' })
  @ApiOkResponse({ type: [PlanResponse] })
  async list(@Query() query: ListPlansQuery): Promise<PlanResponse[]> {
    const plans = await this.plans.list(query.all === 'true');
    return plans.map(({ plan, current }) => PlanResponse.from(plan, current));
  }

  @Post()
  @ApiOperation({
    summary:
      'Add the next version of a plan: new tenants and plan changes get it; tenants on older ' +
      'versions keep theirs until moved',
  })
  @ApiCreatedResponse({ type: PlanResponse })
  @ApiConflictResponse({ description: 'Another version of the same plan was added at once' })
  async create(@Body() input: CreatePlanDto, @Actor() actor: Actor): Promise<PlanResponse> {
    return PlanResponse.from(await this.plans.createVersion(input, actor), true);
  }
}
