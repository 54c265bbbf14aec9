import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { AuditModule } from '../../audit/audit.module';
import { TenantMoveJobProcessor } from './tenant-move-job.processor';
import { TenantMoveJobScheduler } from './tenant-move-job.scheduler';
import { TENANT_MOVE_JOB } from './tenant-move.job';
import {
  TENANT_MOVE_HOLD_SECONDS,
  TENANT_MOVE_ROWS,
  TENANT_MOVES,
  TenantMoveService,
} from './tenant-move.service';
import { TenantMoveTimer } from './tenant-move.timer';
import { TenantMovesAdminController } from './tenant-moves.admin.controller';
import { TenantMovesRepository } from './tenant-moves.repository';

/**
 * Online tenant moves between placements (issue 18, item 3). The placements themselves
 * (PlacementDirectory, PlacementPools) come from the placement core when it is configured;
 * without them, or without Redis, a move is refused with 409.
 */
@Module({})
export class TenantMovesModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [
      TenantMovesRepository,
      TenantMoveService,
      makeCounterProvider({
        name: TENANT_MOVES,
        help: 'Tenant move state changes, by state reached',
        labelNames: ['state'],
      }),
      makeCounterProvider({
        name: TENANT_MOVE_ROWS,
        help: 'Rows copied by tenant moves, by phase (copy, catch_up, hold)',
        labelNames: ['phase'],
      }),
      makeHistogramProvider({
        name: TENANT_MOVE_HOLD_SECONDS,
        help: 'How long a tenant move held the tenant’s writes',
        buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 8],
      }),
    ];
    if (!redisUrl) {
      return {
        module: TenantMovesModule,
        imports: [AuditModule],
        controllers: [TenantMovesAdminController],
        providers: [...common, TenantMoveTimer],
        exports: [TenantMoveService],
      };
    }
    return {
      module: TenantMovesModule,
      imports: [AuditModule, BullModule.registerQueue({ name: TENANT_MOVE_JOB.queue })],
      controllers: [TenantMovesAdminController],
      providers: [...common, TenantMoveJobScheduler, TenantMoveJobProcessor],
      exports: [TenantMoveService],
    };
  }
}
