import { Module } from '@nestjs/common';
import { ExportFilesService } from './export-files.service';

/**
 * Export files on disk alone, for modules that only need to find or remove them (the tenant
 * purge: ExportFilesService.removeAllForTenant) without the export routes and jobs.
 */
@Module({ providers: [ExportFilesService], exports: [ExportFilesService] })
export class ExportFilesModule {}
