import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PlacementReconcileJobProcessor } from './placement-reconcile-job.processor';
import { PlacementReconcileJobScheduler } from './placement-reconcile-job.scheduler';
import { PLACEMENT_RECONCILE_JOB } from './placement-reconcile.job';
import { PlacementReconcileTimer } from './placement-reconcile.timer';
import { PLACEMENT_MIRROR_DRIFT, PlacementReconcilerService } from './placement-reconciler.service';

/**
 * The mirror's reconciler (issue 18): every 10 minutes, siloed placements' tenant and plan copies
 * are compared with control and repaired. A BullMQ repeatable job when Redis is configured (one
 * run at a time across app copies; the root BullMQ prefix carries the database name), an
 * in-process timer otherwise.
 */
@Module({})
export class PlacementReconcileModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [
      PlacementReconcilerService,
      makeCounterProvider({
        name: PLACEMENT_MIRROR_DRIFT,
        help: 'Tenant copies in a placement database found to differ from control and rewritten',
        labelNames: ['placement'],
      }),
    ];
    if (!redisUrl) {
      return {
        module: PlacementReconcileModule,
        providers: [...common, PlacementReconcileTimer],
        exports: [PlacementReconcilerService],
      };
    }
    return {
      module: PlacementReconcileModule,
      imports: [BullModule.registerQueue({ name: PLACEMENT_RECONCILE_JOB.queue })],
      providers: [...common, PlacementReconcileJobScheduler, PlacementReconcileJobProcessor],
      exports: [PlacementReconcilerService],
    };
  }
}
