import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Environment } from '../../config/environment';
import { RECEIVED_AT_HEADER, TENANT_HEADER } from './kafka-connection';

/** Marks messages the HTTP API produced (already counted as accepted there). */
export const VIA_HEADER = 'ingested_via';
/** The app's HMAC over a message it produced: its internal headers and its value. */
export const APP_SIGNATURE_HEADER = 'app_signature';

/** The headers only the app may set: trusted on a message only when its signature verifies. */
export interface AppHeaders {
  [TENANT_HEADER]: string;
  [RECEIVED_AT_HEADER]: string;
  [VIA_HEADER]: string;
}

/**
 * Signs the messages the app itself produces (POST /v1/events) with HMAC-SHA256, keyed by a key
 * derived from JWT_SECRET (every app copy has it, no producer does), so the consumer trusts
 * `tenant_id`, `received_at` and `ingested_via` on those messages and on no others.
 */
@Injectable()
export class AppMessageSigner {
  private readonly key: Buffer;

  constructor(config: ConfigService<Environment, true>) {
    this.key = Buffer.from(
      hkdfSync(
        'sha256',
        config.get('JWT_SECRET', { infer: true }),
        Buffer.alloc(0),
        'tenantry/kafka-app-message-signature/v1',
        32,
      ),
    );
  }

  sign(headers: AppHeaders, value: string | Buffer): string {
    return this.mac(headers, value).toString('base64url');
  }

  /** True when the message carries the app's signature over exactly these headers and value. */
  verify(headers: Record<string, string | undefined>, value: Buffer | null): boolean {
    const presented = headers[APP_SIGNATURE_HEADER];
    if (!presented || !value) return false;
    const {
      [TENANT_HEADER]: tenant,
      [RECEIVED_AT_HEADER]: receivedAt,
      [VIA_HEADER]: via,
    } = headers;
    if (tenant === undefined || receivedAt === undefined || via === undefined) return false;
    const expected = this.mac(
      { [TENANT_HEADER]: tenant, [RECEIVED_AT_HEADER]: receivedAt, [VIA_HEADER]: via },
      value,
    );
    const given = Buffer.from(presented, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(headers: AppHeaders, value: string | Buffer): Buffer {
    // Length-prefixed fields, so no two different header sets sign the same bytes.
    const hmac = createHmac('sha256', this.key);
    for (const field of [
      headers[TENANT_HEADER],
      headers[RECEIVED_AT_HEADER],
      headers[VIA_HEADER],
    ]) {
      hmac.update(`${Buffer.byteLength(field)}:${field};`);
    }
    return hmac.update(value).digest();
  }
}
