import { parseArgs } from 'node:util';

export interface SimulatorOptions {
  tenants: number;
  events: number;
  /** Events per second to aim for. */
  rate: number;
  via: 'http' | 'kafka';
  batch: number;
  concurrency: number;
  url: string;
  /** Existing tenants to send for (the demo ones), instead of sim-NNNN tenants. */
  slugs: string[];
}

const USAGE = `usage: npm run simulate -- [--tenants 50] [--events 1000000] [--rate 20000] [--via http|kafka]
                            [--batch 500] [--concurrency 8] [--url http://127.0.0.1:3000]
                            [--slugs acme,globex]  (existing tenants instead of sim-NNNN ones)`;

/** Parses and checks the command line; a bad value stops with a line naming it. */
export function parseSimulatorOptions(argv: string[]): SimulatorOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenants: { type: 'string', default: '50' },
      events: { type: 'string', default: '1000000' },
      rate: { type: 'string', default: '20000' },
      via: { type: 'string', default: 'http' },
      batch: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '8' },
      url: { type: 'string', default: process.env.TENANTRY_URL ?? 'http://127.0.0.1:3000' },
      slugs: { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const int = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}\n${USAGE}`);
    }
    return n;
  };
  if (values.via !== 'http' && values.via !== 'kafka')
    throw new Error(`--via must be http or kafka\n${USAGE}`);
  return {
    tenants: int('tenants', values.tenants, 1, 5000),
    events: int('events', values.events, 1, 1_000_000_000),
    rate: int('rate', values.rate, 1, 10_000_000),
    via: values.via,
    batch: int('batch', values.batch, 1, 1000),
    concurrency: int('concurrency', values.concurrency, 1, 256),
    url: values.url.replace(/\/$/, ''),
    slugs: values.slugs ? values.slugs.split(',').filter(Boolean) : [],
  };
}
