import { Injectable } from '@nestjs/common';
import type { FieldError } from '../../common/field-error';
import { isUuid } from '../../common/uuid';
import { AppMessageSigner, APP_SIGNATURE_HEADER, VIA_HEADER } from '../kafka/app-message.signer';
import { API_KEY_HEADER, RECEIVED_AT_HEADER, TENANT_HEADER } from '../kafka/kafka-connection';
import { ProducerAuthenticator } from './producer.authenticator';

/** Who produced a topic message, as far as it can be proven. */
export type MessageOrigin =
  /** The app itself (POST /v1/events): its headers are trusted. */
  | { kind: 'app'; tenantId: string; receivedAt: number; viaHttp: boolean }
  /** A direct producer, by an API key of the tenant: no header of the app's is trusted. */
  | { kind: 'producer'; tenantId: string }
  | { kind: 'unauthenticated'; errors: FieldError[] };

/**
 * Decides whose a message is. The tenant of a message is never taken from what a producer
 * says: either the app signed the message (and so its tenant_id header), or an API key with
 * events:write names the tenant, and a tenant_id header naming another tenant is refused.
 */
@Injectable()
export class MessageOriginResolver {
  constructor(
    private readonly signer: AppMessageSigner,
    private readonly producers: ProducerAuthenticator,
  ) {}

  async resolve(
    headers: Record<string, string | undefined>,
    value: Buffer | null,
  ): Promise<MessageOrigin> {
    if (headers[APP_SIGNATURE_HEADER] !== undefined) {
      const tenantId = (headers[TENANT_HEADER] ?? '').toLowerCase();
      if (!this.signer.verify(headers, value) || !isUuid(tenantId)) {
        return refused(APP_SIGNATURE_HEADER, 'the app signature does not verify');
      }
      return {
        kind: 'app',
        tenantId,
        receivedAt: Number(headers[RECEIVED_AT_HEADER]),
        viaHttp: headers[VIA_HEADER] === 'http',
      };
    }
    const identity = await this.producers.identify(headers[API_KEY_HEADER]);
    if (!identity.ok) return refused(API_KEY_HEADER, identity.message);
    const named = headers[TENANT_HEADER];
    if (named && named.toLowerCase() !== identity.tenantId) {
      return refused(TENANT_HEADER, 'tenant_id names another tenant than the API key');
    }
    return { kind: 'producer', tenantId: identity.tenantId };
  }
}

function refused(field: string, message: string): MessageOrigin {
  return { kind: 'unauthenticated', errors: [{ field, message }] };
}
