import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { CustomDomainsModule } from '../custom-domains.module';
import { CUSTOM_DOMAIN_RECHECK_JOB } from './custom-domain-recheck.job';
import { CustomDomainRecheckJobProcessor } from './custom-domain-recheck-job.processor';
import { CustomDomainRecheckJobScheduler } from './custom-domain-recheck-job.scheduler';
import { CustomDomainRecheckTimer } from './custom-domain-recheck.timer';
import { CustomDomainRechecksService } from './custom-domain-rechecks.service';
import { DueCustomDomainsRepository } from './due-custom-domains.repository';

/**
 * The scheduled re-check of verified custom domains: a BullMQ repeatable job when Redis is
 * configured (one run at a time across every app copy; the queue shares the root BullMQ
 * connection, whose prefix carries the database name), an in-process timer otherwise.
 */
@Module({})
export class CustomDomainRechecksModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [CustomDomainRechecksService, DueCustomDomainsRepository];
    if (!redisUrl) {
      return {
        module: CustomDomainRechecksModule,
        imports: [CustomDomainsModule],
        providers: [...common, CustomDomainRecheckTimer],
        exports: [CustomDomainRechecksService],
      };
    }
    return {
      module: CustomDomainRechecksModule,
      imports: [
        CustomDomainsModule,
        BullModule.registerQueue({ name: CUSTOM_DOMAIN_RECHECK_JOB.queue }),
      ],
      providers: [...common, CustomDomainRecheckJobScheduler, CustomDomainRecheckJobProcessor],
      exports: [CustomDomainRechecksService],
    };
  }
}
