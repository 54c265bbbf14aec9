import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { TenancyModule } from '../tenancy.module';
import { TenantOnboardingController } from './tenant-onboarding.controller';

/** Onboarding needs both tenants and users; living above both keeps them free of each other. */
@Module({
  imports: [TenancyModule, AuthModule],
  controllers: [TenantOnboardingController],
})
export class TenantOnboardingModule {}
