import { Injectable } from '@nestjs/common';

/** One kind of Redis state rebuilt from PostgreSQL; answers how many items it restored. */
export interface RedisRebuildStep {
  name: string;
  restore(): Promise<number>;
}

/**
 * What RedisRebuildService restores after Redis comes back empty, besides the schedules (the
 * ScheduledJobRegistry holds those). Modules whose BullMQ jobs are rebuilt from PostgreSQL
 * (unfinished erasures) add a step at boot, so src/jobs never imports them.
 */
@Injectable()
export class RedisRebuildRegistry {
  private readonly registered = new Map<string, RedisRebuildStep>();

  add(step: RedisRebuildStep): void {
    this.registered.set(step.name, step);
  }

  get steps(): RedisRebuildStep[] {
    return [...this.registered.values()];
  }
}
