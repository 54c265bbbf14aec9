import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../tenancy/scope/admin-only.decorator';
import { ISOLATION_REPORT_SCHEMA } from './dto/isolation-report.schema';
import type { IsolationReport } from './isolation-report';
import { IsolationReportService } from './isolation-report.service';

@ApiTags('admin: isolation')
@AdminOnly()
@Controller('admin/isolation-report')
export class IsolationReportAdminController {
  constructor(private readonly reports: IsolationReportService) {}

  @Get()
  @ApiOperation({
    summary:
      'Evidence of tenant isolation, read from the live catalogues: every tenant table with its RLS switches and policies, ' +
      'the app and platform roles with their attributes and grants, every SECURITY DEFINER function with its owner and ' +
      'search_path, the ClickHouse users and their profile settings, and the last run of the security suite. ' +
      '`verdict` is `problems` when any of them is off; `problems` lists each.',
  })
  @ApiOkResponse({
    description: 'The report (the same JSON `npm run isolation-report` prints)',
    schema: ISOLATION_REPORT_SCHEMA,
  })
  report(): Promise<IsolationReport> {
    return this.reports.report();
  }
}
