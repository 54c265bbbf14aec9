import type { FieldError } from '../../common/field-error';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../common/json-depth';
import { MAX_EVENTS_PER_REQUEST } from '../http/event-intake.service';

/**
 * What a topic message may size before any work is done on it: the same bounds as an HTTP
 * request (body size, JSON depth, events per request), so a direct producer can make the
 * consumer do no more than an API client can.
 */
export interface MessageLimits {
  maxValueBytes: number;
  maxDepth: number;
  maxEvents: number;
}

/** The limits for an HTTP body limit as the environment spells it (`100kb`, `1mb`). */
export function messageLimits(httpBodyLimit: string): MessageLimits {
  const match = /^(\d+)(b|kb|mb)$/.exec(httpBodyLimit);
  const scale = { b: 1, kb: 1024, mb: 1024 * 1024 };
  return {
    maxValueBytes: match ? Number(match[1]) * scale[match[2] as keyof typeof scale] : scale.mb,
    maxDepth: MAX_JSON_DEPTH,
    maxEvents: MAX_EVENTS_PER_REQUEST,
  };
}

export type UndecodableReason = 'invalid_json' | 'message_too_large' | 'invalid_event';

export type DecodedMessage =
  | { ok: true; items: unknown[]; batch: boolean }
  | { ok: false; reason: UndecodableReason; errors: FieldError[] };

/**
 * A message value as events: one event, or { events: [...] } (what the HTTP API produces: one
 * message per request). Size and depth are checked on the raw bytes before JSON.parse; the
 * depth scan is skipped for `signedByApp` values, which the API produced from a request body it
 * had bounded the same way (the signature proves the bytes are those).
 */
export function decodeEventMessage(
  value: Buffer | null,
  limits: MessageLimits,
  signedByApp = false,
): DecodedMessage {
  const refuse = (reason: UndecodableReason, field: string, message: string): DecodedMessage => ({
    ok: false,
    reason,
    errors: [{ field, message }],
  });
  if (!value || value.length === 0)
    return refuse('invalid_json', 'value', 'the message has no value');
  if (value.length > limits.maxValueBytes) {
    return refuse(
      'message_too_large',
      'value',
      `the message value is ${value.length} bytes; at most ${limits.maxValueBytes} are accepted`,
    );
  }
  if (!signedByApp && jsonDepthExceeds(value, limits.maxDepth)) {
    return refuse('invalid_json', 'value', `JSON nests deeper than ${limits.maxDepth} levels`);
  }
  let body: unknown;
  try {
    body = JSON.parse(value.toString('utf8'));
  } catch {
    return refuse('invalid_json', 'value', 'the message value is not JSON');
  }
  if (!isBatch(body)) return { ok: true, items: [body], batch: false };
  if (body.events.length === 0 || body.events.length > limits.maxEvents) {
    return refuse('invalid_event', 'events', `events must hold 1 to ${limits.maxEvents} events`);
  }
  return { ok: true, items: body.events, batch: true };
}

function isBatch(body: unknown): body is { events: unknown[] } {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Array.isArray((body as { events?: unknown }).events) &&
    Object.keys(body).length === 1
  );
}
