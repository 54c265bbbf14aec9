import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueJobProbe } from './queue-job.probe';
import type { ScheduledJob } from './scheduled-job';
import type { ScheduledJobProbe, ScheduledJobStatus } from './scheduled-job.status';
import { TimerJobProbe } from './timer-job.probe';

/** Every scheduled job this configuration runs, for /health/jobs. Jobs add themselves at boot. */
@Injectable()
export class ScheduledJobRegistry {
  private readonly probes = new Map<string, ScheduledJobProbe>();
  private readonly bullQueues = new Map<string, Queue>();
  private readonly bullJobs = new Map<string, ScheduledJob>();

  addQueue(job: ScheduledJob, queue: Queue): void {
    this.probes.set(job.queue, new QueueJobProbe(job, queue));
    this.bullQueues.set(job.queue, queue);
    this.bullJobs.set(job.queue, job);
  }

  /** Each repeatable job with its queue, for re-upserting the schedules after an empty Redis. */
  get schedules(): { job: ScheduledJob; queue: Queue }[] {
    return [...this.bullJobs.values()].map((job) => ({
      job,
      queue: this.bullQueues.get(job.queue)!,
    }));
  }

  /** The BullMQ queues registered (none without Redis): a tenant purge drops their jobs of it. */
  get queues(): Queue[] {
    return [...this.bullQueues.values()];
  }

  addTimer(job: ScheduledJob): TimerJobProbe {
    const probe = new TimerJobProbe(job);
    this.probes.set(job.queue, probe);
    return probe;
  }

  async statuses(now = Date.now()): Promise<ScheduledJobStatus[]> {
    const probes = [...this.probes.values()];
    return Promise.all(probes.map((probe) => probe.status(now)));
  }
}
