/** The default interval: a warning that repeats while a dependency is down, once a minute. */
export const WARNING_INTERVAL_MS = 60_000;

/** The logger method used: Nest's Logger (pino underneath) takes an object, then a message. */
export interface WarningLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

/**
 * A warning that every request would repeat while a dependency is down (Redis not answering),
 * logged at most once per interval per process: an outage is one line a minute, not one per
 * request. What the warning stands for is still counted per occurrence by the caller's metric.
 */
export class ThrottledWarning {
  private last = -Infinity;

  constructor(
    private readonly logger: WarningLogger,
    private readonly intervalMs = WARNING_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs unless this warning was logged within the interval; true when it was logged now. */
  warn(details: Record<string, unknown>, message: string): boolean {
    const now = this.now();
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    this.logger.warn(details, message);
    return true;
  }
}
