import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Resolver } from 'node:dns/promises';
import type { Environment } from '../../config/environment';

/** Per try, and tries per server (c-ares' own retry). */
export const DNS_TRY_TIMEOUT_MS = 1500;
export const DNS_TRIES = 2;
/** The whole lookup, whatever the servers do: past it the query is cancelled. */
export const DNS_DEADLINE_MS = 5000;
/** TXT records read per name; more is no answer a challenge needs. */
const MAX_TXT_RECORDS = 50;

export type TxtLookup =
  { kind: 'found'; values: string[] } | { kind: 'none' } | { kind: 'error'; message: string };

/**
 * Reads the TXT records of one name through the resolvers DNS_RESOLVERS names (the system's
 * when empty), with Node's c-ares resolver: a timeout per try, a bounded number of tries, and a
 * deadline on the whole lookup. Never throws: a failure is an answer saying what went wrong.
 */
@Injectable()
export class TxtRecordResolver {
  private readonly servers: string[];

  constructor(config: ConfigService<Environment, true>) {
    this.servers = config
      .get('DNS_RESOLVERS', { infer: true })
      .split(',')
      .map((server) => server.trim())
      .filter((server) => server !== '');
  }

  async lookup(name: string): Promise<TxtLookup> {
    // One resolver per lookup, so cancelling at the deadline cancels this query only.
    const resolver = new Resolver({ timeout: DNS_TRY_TIMEOUT_MS, tries: DNS_TRIES });
    if (this.servers.length > 0) resolver.setServers(this.servers);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        resolver.cancel();
        reject(Object.assign(new Error('DNS lookup deadline'), { code: 'ETIMEOUT' }));
      }, DNS_DEADLINE_MS);
    });
    try {
      const records = await Promise.race([resolver.resolveTxt(name), deadline]);
      return {
        kind: 'found',
        values: records.slice(0, MAX_TXT_RECORDS).map((chunks) => chunks.join('')),
      };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENODATA' || code === 'ENOTFOUND') return { kind: 'none' };
      return { kind: 'error', message: describeFailure(code, name) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function describeFailure(code: unknown, name: string): string {
  switch (code) {
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return `The DNS lookup of ${name} timed out; try again in a few minutes`;
    case 'ESERVFAIL':
      return `The DNS servers failed to answer for ${name} (SERVFAIL); check the domain's DNS setup`;
    case 'EREFUSED':
      return `The DNS servers refused the lookup of ${name}`;
    case 'ECONNREFUSED':
      return 'The DNS servers could not be reached; try again in a few minutes';
    default:
      return `The DNS lookup of ${name} failed (${typeof code === 'string' ? code : 'unknown error'})`;
  }
}
