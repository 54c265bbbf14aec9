import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import pLimit, { type Limit } from 'p-limit';
import type { Environment } from '../../config/environment';

/**
 * PostgreSQL's fair share (it has no query priorities): background analytics queries (a
 * tenant's 2nd and later at once, and every funnel and retention) of every tenant take turns,
 * ANALYTICS_POSTGRES_BACKGROUND_QUERIES at a time in this app copy, first come first served; a
 * tenant's only light query never waits here. A waiting query holds its tenant's slot but no
 * connection, so the pool stays free for others.
 */
@Injectable()
export class BackgroundQueryRunner {
  private readonly limit: Limit;

  constructor(config: ConfigService<Environment, true>) {
    this.limit = pLimit(config.get('ANALYTICS_POSTGRES_BACKGROUND_QUERIES', { infer: true }));
  }

  /** Runs `work` in its turn; a query whose client left while waiting never starts. */
  run<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    return this.limit(() => {
      signal?.throwIfAborted();
      return work();
    });
  }

  /** Background queries waiting for their turn now. */
  get waiting(): number {
    return this.limit.pendingCount;
  }
}
