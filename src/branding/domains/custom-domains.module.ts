import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AuditModule } from '../../audit/audit.module';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { CustomDomainsController } from './custom-domains.controller';
import { CustomDomainsRepository } from './custom-domains.repository';
import { CUSTOM_DOMAIN_CHECKS, CustomDomainsService } from './custom-domains.service';
import { TxtRecordResolver } from './txt-record.resolver';

/**
 * Custom domains (white label): the tenant's hostnames and their DNS checks. Tenant resolution
 * reads the verified ones through TenancyModule's TenantHostsService, not through this module.
 */
@Module({
  imports: [AuditModule, TenancyModule],
  controllers: [CustomDomainsController],
  providers: [
    CustomDomainsService,
    CustomDomainsRepository,
    TxtRecordResolver,
    makeCounterProvider({
      name: CUSTOM_DOMAIN_CHECKS,
      help: 'DNS checks of custom domains, by outcome (verified, missing, mismatch, dns_error)',
      labelNames: ['outcome'],
    }),
  ],
  exports: [CustomDomainsService],
})
export class CustomDomainsModule {}
