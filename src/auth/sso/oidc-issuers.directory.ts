import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import * as oidc from 'openid-client';
import type { Counter } from 'prom-client';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { IdpAddressRefusedError } from './idp-address';
import {
  createIdpFetch,
  IDP_TIMEOUT_SECONDS,
  IdpResponseTooLargeError,
  isLoopbackHttp,
} from './oidc-http';

export const SSO_DISCOVERIES = 'tenantry_sso_discoveries_total';

/** How long an issuer's discovery document is reused before it is read again. */
const DISCOVERY_TTL_MS = 5 * 60_000;
const MAX_CACHED_ISSUERS = 1000;

interface Cached {
  metadata: oidc.ServerMetadata;
  expiresAt: number;
}

/**
 * Identity providers by issuer: each one's discovery document (read with a deadline and a size
 * cap, kept for a few minutes), and an openid-client Configuration for a tenant's client there.
 */
@Injectable()
export class OidcIssuersDirectory {
  private readonly documents = new Map<string, Cached>();
  private readonly fetch: oidc.CustomFetch;

  constructor(
    @InjectMetric(SSO_DISCOVERIES) private readonly discoveries: Counter<string>,
    private readonly logger: PinoLogger,
    config: ConfigService<Environment, true>,
  ) {
    this.fetch = createIdpFetch({
      allowInternalAddresses:
        config.get('NODE_ENV', { infer: true }) !== 'production' ||
        config.get('SSO_ALLOW_INTERNAL_ISSUERS', { infer: true }) === 'true',
    });
  }

  /** The issuer's metadata; throws when it cannot be read or does not name this issuer. */
  async metadata(issuer: string): Promise<oidc.ServerMetadata> {
    const cached = this.documents.get(issuer);
    if (cached && cached.expiresAt > Date.now()) return cached.metadata;
    try {
      const config = await oidc.discovery(new URL(issuer), 'discovery', undefined, undefined, {
        execute: isLoopbackHttp(issuer) ? [oidc.allowInsecureRequests] : [],
        timeout: IDP_TIMEOUT_SECONDS,
        [oidc.customFetch]: this.fetch,
      });
      const metadata = config.serverMetadata();
      if (this.documents.size >= MAX_CACHED_ISSUERS) this.documents.clear();
      this.documents.set(issuer, { metadata, expiresAt: Date.now() + DISCOVERY_TTL_MS });
      this.discoveries.inc({ outcome: 'read' });
      return metadata;
    } catch (error) {
      this.discoveries.inc({ outcome: 'failed' });
      this.logger.warn({ issuer, err: describe(error) }, 'OIDC discovery failed');
      throw error;
    }
  }

  /** A Configuration for one tenant's client at the issuer. */
  async configuration(
    issuer: string,
    clientId: string,
    clientSecret?: string,
  ): Promise<oidc.Configuration> {
    const config = new oidc.Configuration(await this.metadata(issuer), clientId, clientSecret);
    config.timeout = IDP_TIMEOUT_SECONDS;
    config[oidc.customFetch] = this.fetch;
    if (isLoopbackHttp(issuer)) oidc.allowInsecureRequests(config);
    return config;
  }
}

/** A short, safe description of a failure at the IdP: a code, never the IdP's own text. */
export function describe(error: unknown): string {
  // openid-client wraps what fetch threw (ours included) as the cause of its own error.
  for (let cause = error, depth = 0; cause && depth < 5; depth += 1) {
    if (cause instanceof IdpResponseTooLargeError) return 'IDP_RESPONSE_TOO_LARGE';
    if (cause instanceof IdpAddressRefusedError) return 'IDP_ADDRESS_INTERNAL';
    if (
      cause instanceof oidc.ResponseBodyError ||
      cause instanceof oidc.AuthorizationResponseError
    ) {
      return `idp_error:${safeCode(cause.error)}`;
    }
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return safeCode(code);
    cause = (cause as { cause?: unknown }).cause;
  }
  return error instanceof Error ? safeCode(error.name) : 'unknown';
}

export function safeCode(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(value) ? value : 'invalid';
}
