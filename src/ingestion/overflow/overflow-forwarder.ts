import type { KafkaMessage, Message, Producer } from 'kafkajs';
import { isUuid } from '../../common/uuid';
import type { TenantTier } from '../../tenancy/tenant.entity';
import { APP_SIGNATURE_HEADER, type AppMessageSigner } from '../kafka/app-message.signer';
import { API_KEY_HEADER, TENANT_HEADER } from '../kafka/kafka-connection';
import { headerText, textHeaders } from '../kafka/message-headers';
import type { ProducerAuthenticator } from '../pipeline/producer.authenticator';
import { countEvents } from './event-count';
import type { IntakeRateService } from './intake-rate.service';
import { sendWhole } from '../kafka/whole-send';

/** A main-topic message of a hot tenant, on its way to the overflow topic. */
interface Forwarded {
  message: KafkaMessage;
  tenantId: string;
  tier: TenantTier | null;
  events: number;
}

/**
 * The main consumer's side of overflow, for what the API did not route: direct producers write
 * to the main topic themselves (and the API's messages sent just before their tenant turned hot
 * are there too). Per batch, their events are counted into the tenants' intake rate (direct
 * producers only: the API counted its own) in one call, and a hot tenant's messages are taken
 * out of the batch and produced, as they are (value and headers unchanged, so the overflow
 * consumer authenticates them the same way), to the overflow topic without a key. The caller
 * commits the batch only after that produce is acknowledged: a crash in between re-forwards, and
 * the store deduplicates on (tenant_id, event_id).
 *
 * Routing trusts the tenant_id header of an app-signed message only once its signature verifies
 * (an HMAC: far cheaper than the tenant lookup a forged id would cost); a forged one stays in the
 * batch, and the processor dead-letters it as unauthenticated. Counting needs proof, so only
 * messages whose API key authenticates count, and for the price of a byte search instead of a
 * parse (countEvents: a producer can only inflate its own rate that way).
 */
export class OverflowForwarder {
  constructor(
    private readonly rate: IntakeRateService,
    private readonly producers: ProducerAuthenticator,
    private readonly signer: AppMessageSigner,
    private readonly topic: string,
  ) {}

  /** The batch's messages that stay, and those that go to the overflow topic. */
  async split(messages: KafkaMessage[]): Promise<{ keep: KafkaMessage[]; forward: Forwarded[] }> {
    const tenants: (string | null)[] = [];
    const counts = new Map<string, number>();
    const direct: boolean[] = [];
    for (const message of messages) {
      const { tenantId, counted } = await this.tenantOf(message);
      tenants.push(tenantId);
      direct.push(counted);
      if (!tenantId) continue;
      const events = counted ? countEvents(message.value) : 0;
      counts.set(tenantId, (counts.get(tenantId) ?? 0) + events);
    }
    const decisions = await this.rate.record(counts);
    const keep: KafkaMessage[] = [];
    const forward: Forwarded[] = [];
    messages.forEach((message, i) => {
      const tenantId = tenants[i];
      const decision = tenantId ? decisions.get(tenantId) : undefined;
      if (!tenantId || !decision?.hot || !this.rate.routes) {
        keep.push(message);
        return;
      }
      forward.push({ message, tenantId, tier: decision.tier, events: countEvents(message.value) });
    });
    return { keep, forward };
  }

  /**
   * Produces the forwarded messages (acknowledged by all in-sync replicas), then counts them.
   * While the broker is unavailable the send is made again whole: while `stillWanted` says yes,
   * else for 30 s (sendWhole).
   */
  async forward(
    producer: Producer,
    forwarded: Forwarded[],
    source: string,
    stillWanted?: () => boolean,
  ): Promise<void> {
    if (forwarded.length === 0) return;
    const messages: Message[] = forwarded.map(({ message }) => ({
      key: null,
      value: message.value,
      headers: { ...message.headers, overflow_source: `${source}/${message.offset}` },
    }));
    await sendWhole(
      producer,
      { acks: -1, topicMessages: [{ topic: this.topic, messages }] },
      { stillWanted },
    );
    for (const item of forwarded) this.rate.countOverflow(item.tier, 'forwarded', item.events);
  }

  /** Whose message it is, for routing; `counted` when its API key proved it (a direct one). */
  private async tenantOf(
    message: KafkaMessage,
  ): Promise<{ tenantId: string | null; counted: boolean }> {
    const headers = message.headers ?? {};
    if (headers[APP_SIGNATURE_HEADER] !== undefined) {
      const text = textHeaders(headers);
      const named = text[TENANT_HEADER];
      if (!named || !isUuid(named) || !this.signer.verify(text, message.value)) {
        return { tenantId: null, counted: false };
      }
      return { tenantId: named.toLowerCase(), counted: false };
    }
    const identity = await this.producers.identify(headerText(headers[API_KEY_HEADER]));
    return identity.ok
      ? { tenantId: identity.tenantId, counted: true }
      : { tenantId: null, counted: false };
  }
}
