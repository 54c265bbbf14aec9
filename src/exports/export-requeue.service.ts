import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RedisRebuildRegistry } from '../jobs/redis-rebuild.registry';
import { ExportDispatchService } from './export-dispatch.service';
import { QueuedExportsRepository } from './queued-exports.repository';

/** Exports dispatched again in one go, at most (the oldest first); the next rebuild takes more. */
const REQUEUE_LIMIT = 1000;

/**
 * A queued export's BullMQ job lives only in Redis: a Redis that comes back empty (or the
 * fresh one of a restored stack) has lost it, and the export would sit queued until the
 * hour-long stale check fails it. So every queued export is dispatched again, at start-up and
 * as a step of the Redis rebuild. Harmless when its job still exists: the job id is the export
 * id, and BullMQ ignores an id it holds; a run only starts an export that is still queued.
 * Without Redis exports run in-process and nothing outlives the process to requeue.
 */
@Injectable()
export class ExportRequeueService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ExportRequeueService.name);

  constructor(
    private readonly dispatcher: ExportDispatchService,
    private readonly queued: QueuedExportsRepository,
    private readonly rebuilds: RedisRebuildRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (this.dispatcher.mode !== 'queue') return;
    this.rebuilds.add({ name: 'exports', restore: () => this.requeue() });
    // Not awaited: Redis or the database being away must not hold the app's start.
    void this.requeue().then(
      (exports) => {
        if (exports > 0) this.logger.log({ msg: 'queued exports dispatched again', exports });
      },
      (error: unknown) =>
        this.logger.warn({ err: error }, 'could not dispatch queued exports again'),
    );
  }

  /** Dispatches every queued export again (at most REQUEUE_LIMIT); answers how many. */
  async requeue(): Promise<number> {
    const exports = await this.queued.list(REQUEUE_LIMIT);
    for (const { tenantId, exportId } of exports) {
      await this.dispatcher.dispatch(tenantId, exportId);
    }
    return exports.length;
  }
}
