import { Injectable, OnModuleInit } from '@nestjs/common';
import { TenantPurgeRegistry } from '../tenancy/tenant-purge.registry';
import { ExportFilesService } from './export-files.service';

/**
 * A tenant purge removes its export archives too (`hook:exports` in the purge report): the
 * rows of data_exports go with every other tenant table, the files on disk go here.
 */
@Injectable()
export class ExportFilesPurgeListener implements OnModuleInit {
  constructor(
    private readonly registry: TenantPurgeRegistry,
    private readonly files: ExportFilesService,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      name: 'exports',
      purge: async (tenantId) => ({ files: await this.files.removeAllForTenant(tenantId) }),
    });
  }
}
