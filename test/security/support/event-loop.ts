import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

export interface EventLoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/**
 * The process's event-loop delay while `work` runs, sampled every 10 ms. The app runs in this
 * process, so a request that blocks it shows here. Figures are in ms and, as Node measures them,
 * include the 10 ms sampling interval itself.
 */
export async function measureEventLoop<T>(
  work: () => Promise<T>,
): Promise<{ result: T; delay: EventLoopDelay }> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, delay: summarise(histogram) };
  } finally {
    histogram.disable();
  }
}

function summarise(histogram: IntervalHistogram): EventLoopDelay {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  return {
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  };
}

/** Event-loop delay per call, so a stall in the whole-sweep figure can be traced to its request. */
export function perCallStallMeter(): { reset(): void; maxMs(): number; stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    reset: () => histogram.reset(),
    // No sample yet (a call shorter than the resolution) reads as 0.
    maxMs: () => (histogram.count === 0 ? 0 : Math.round(histogram.max / 1e4) / 100),
    stop: () => histogram.disable(),
  };
}
