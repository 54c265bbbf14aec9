import { Global, Module } from '@nestjs/common';
import { OpenMovesRepository } from './open-moves.repository';
import { TenantHoldsStore } from './tenant-holds.store';

/**
 * Write holds of tenants being moved, and which tenants have a move open; global, for the
 * tenant pipeline, the event writer and bulk deletes (retention).
 */
@Global()
@Module({
  providers: [TenantHoldsStore, OpenMovesRepository],
  exports: [TenantHoldsStore, OpenMovesRepository],
})
export class TenantHoldsModule {}
