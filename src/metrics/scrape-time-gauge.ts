import { Gauge, register } from 'prom-client';

/**
 * A gauge whose value is computed when Prometheus scrapes, for figures that live elsewhere (a
 * queue in Redis, a table) and must read the same on every app copy. `read` sets the values; it
 * is cut off after `timeoutMs` so a slow or unreachable server never holds the scrape (the last
 * values stand). Registered in the default registry in place of any earlier gauge of the name:
 * the newest app in a process (tests boot several) is the one read. Returns the unregister.
 */
export function registerScrapeTimeGauge(options: {
  name: string;
  help: string;
  labelNames?: string[];
  timeoutMs: number;
  read: (gauge: Gauge<string>) => Promise<void>;
  onError: (error: unknown) => void;
}): () => void {
  register.removeSingleMetric(options.name);
  const gauge: Gauge<string> = new Gauge({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [register],
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${options.name}: no answer in ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      });
      try {
        await Promise.race([options.read(gauge), timeout]);
      } catch (error) {
        options.onError(error);
      } finally {
        clearTimeout(timer);
      }
    },
  });
  return () => {
    if (register.getSingleMetric(options.name) === gauge) register.removeSingleMetric(options.name);
  };
}
