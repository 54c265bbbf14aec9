import { Global, Module } from '@nestjs/common';
import { TenantHoldsStore } from './tenant-holds.store';

/** Write holds of tenants being moved; global, for the tenant pipeline and the event writer. */
@Global()
@Module({ providers: [TenantHoldsStore], exports: [TenantHoldsStore] })
export class TenantHoldsModule {}
