import { Module } from '@nestjs/common';
import { SilentTenantsController } from './silent-tenants.controller';
import { SilentTenantsRepository } from './silent-tenants.repository';
import { SilentTenantsService } from './silent-tenants.service';

/** The silent-tenant gauge and its list for operators (GET /admin/silent-tenants). */
@Module({
  controllers: [SilentTenantsController],
  providers: [SilentTenantsService, SilentTenantsRepository],
  exports: [SilentTenantsService],
})
export class SilentTenantsModule {}
