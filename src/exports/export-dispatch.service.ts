import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { TenantContext } from '../tenancy/scope/tenant.context';
import { ExportBuilderService } from './export-builder.service';
import { EXPORT_RUN_JOB, EXPORT_RUN_QUEUE, type ExportRunData } from './export-run.queue';

/**
 * Starts an export once its row is committed: a BullMQ job when Redis is configured (any app
 * copy's worker runs it), otherwise in this process, in the background. Shutdown waits for
 * in-process runs; a run cut short anyway is failed by the next request (stale heartbeat).
 */
@Injectable()
export class ExportDispatchService implements OnApplicationShutdown {
  private readonly logger = new Logger(ExportDispatchService.name);
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly builder: ExportBuilderService,
    @Optional() @InjectQueue(EXPORT_RUN_QUEUE) private readonly queue?: Queue<ExportRunData>,
  ) {}

  get mode(): 'queue' | 'in-process' {
    return this.queue ? 'queue' : 'in-process';
  }

  async dispatch(tenantId: string, exportId: string): Promise<void> {
    if (this.queue) {
      await this.queue.add(
        EXPORT_RUN_JOB,
        { tenantId, exportId },
        { jobId: exportId, attempts: 1, removeOnComplete: 100, removeOnFail: 100 },
      );
      return;
    }
    // Outside the request's scope: the run opens its own tenant transactions.
    const run = this.tenantContext
      .detached(() => this.builder.run(tenantId, exportId))
      .catch((error: unknown) =>
        this.logger.error(
          { tenant_id: tenantId, export_id: exportId, err: error },
          'export run failed',
        ),
      );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
