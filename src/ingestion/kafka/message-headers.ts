import type { IHeaders } from 'kafkajs';
import { APP_SIGNATURE_HEADER, VIA_HEADER } from './app-message.signer';
import { API_KEY_HEADER, RECEIVED_AT_HEADER, TENANT_HEADER } from './kafka-connection';

/** The headers the pipeline reads; no other is ever decoded (a producer may send thousands). */
const READ_HEADERS = [
  TENANT_HEADER,
  RECEIVED_AT_HEADER,
  VIA_HEADER,
  APP_SIGNATURE_HEADER,
  API_KEY_HEADER,
] as const;

/** A header's first value as text (Kafka allows a header name more than once). */
export function headerText(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** The headers the pipeline reads, as text: what the origin resolver and the signer take. */
export function textHeaders(headers: IHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!headers) return out;
  for (const name of READ_HEADERS) {
    if (Object.hasOwn(headers, name)) out[name] = headerText(headers[name]);
  }
  return out;
}
