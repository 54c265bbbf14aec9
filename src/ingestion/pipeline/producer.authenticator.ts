import { Injectable, Logger } from '@nestjs/common';
import { CredentialsService } from '../../auth/credentials.service';
import { sha256Hex } from '../../common/sha256';
import { API_KEY_HEADER } from '../kafka/kafka-connection';

export type ProducerIdentity =
  { ok: true; tenantId: string; keyId: string } | { ok: false; message: string };

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * Who a direct Kafka message comes from: the tenant of the API key in its `api_key` header, when
 * that key is live and holds `events:write`. Answers are cached for 30 s per key (a revoked key
 * is refused within that), refusals too, so a flood of one bad key costs one lookup.
 */
@Injectable()
export class ProducerAuthenticator {
  private readonly logger = new Logger(ProducerAuthenticator.name);
  private readonly cache = new Map<
    string,
    { identity: Promise<ProducerIdentity>; until: number }
  >();

  constructor(private readonly credentials: CredentialsService) {}

  identify(presented: string | undefined): Promise<ProducerIdentity> {
    if (!presented) {
      return Promise.resolve({ ok: false, message: `the message has no ${API_KEY_HEADER} header` });
    }
    // Only API keys: a user's access token lives 15 minutes, no way to run a producer.
    if (!presented.startsWith('tk_') || presented.length > 200) {
      return Promise.resolve({ ok: false, message: `${API_KEY_HEADER} is not an API key` });
    }
    const now = Date.now();
    const cacheKey = sha256Hex(presented);
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > now) return cached.identity;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    const identity = this.lookUp(presented);
    this.cache.set(cacheKey, { identity, until: now + TTL_MS });
    // A lookup that failed (the database, not the key) is not remembered.
    identity.catch(() => this.cache.delete(cacheKey));
    return identity;
  }

  private async lookUp(presented: string): Promise<ProducerIdentity> {
    let principal;
    try {
      principal = await this.credentials.authenticate(presented);
    } catch (error) {
      if ((error as { status?: number }).status === 401) {
        return { ok: false, message: `${API_KEY_HEADER} is unknown or revoked` };
      }
      this.logger.error({ err: error }, 'API key lookup failed');
      throw error;
    }
    if (principal.kind !== 'api_key') {
      return { ok: false, message: `${API_KEY_HEADER} is not an API key` };
    }
    if (!principal.scopes.includes('events:write')) {
      return { ok: false, message: `the API key lacks events:write` };
    }
    return { ok: true, tenantId: principal.tenantId, keyId: principal.keyId };
  }
}
