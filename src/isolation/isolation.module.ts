import { Module } from '@nestjs/common';
import { IngestionModule } from '../ingestion/ingestion.module';
import { CatalogueRepository } from './catalogue.repository';
import { IsolationReportAdminController } from './isolation-report.admin.controller';
import { IsolationReportService } from './isolation-report.service';

/** Evidence of tenant isolation for auditors: GET /admin/isolation-report (and its CLI). */
@Module({
  imports: [IngestionModule],
  controllers: [IsolationReportAdminController],
  providers: [IsolationReportService, CatalogueRepository],
})
export class IsolationModule {}
