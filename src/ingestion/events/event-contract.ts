import Ajv, { type ErrorObject } from 'ajv';
import { isRfc3339Timestamp } from '../../common/rfc3339';
import { isWellFormedText } from '../../common/well-formed-text';
import type { FieldError } from '../../common/field-error';

/** One usage event as clients send it (HTTP body item or Kafka message value). */
export interface IncomingEvent {
  event_id: string;
  event_type: string;
  timestamp: string;
  user_id?: string;
  session_id?: string;
  properties?: Record<string, string | number | boolean>;
}

/** An accepted event, as the event stores write it. */
export interface EventRow {
  tenantId: string;
  eventId: string;
  eventType: string;
  timestamp: Date;
  userId: string;
  sessionId: string;
  properties: Record<string, string | number | boolean>;
  receivedAt: Date;
}

export const EVENT_LIMITS = {
  eventTypeMaxLength: 128,
  idMaxLength: 256,
  maxProperties: 50,
  propertyKeyMaxLength: 128,
  maxPropertiesBytes: 8 * 1024,
  maxFutureMs: 24 * 3600 * 1000,
} as const;

const NO_NUL = '^[^\\u0000]*$';
/** 1 or more characters, none of them NUL, `"` or a backslash. */
const PROPERTY_NAME_PATTERN = '^[^\\u0000"\\\\]+$';

/** The contract as JSON Schema: it drives validation here and the OpenAPI document. */
export const EVENT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['event_id', 'event_type', 'timestamp'],
  properties: {
    event_id: {
      type: 'string',
      format: 'uuid',
      description: "The client's id for this event: sending it again never stores it twice",
    },
    event_type: {
      type: 'string',
      minLength: 1,
      maxLength: EVENT_LIMITS.eventTypeMaxLength,
      pattern: '^[a-z0-9_.:-]+$',
    },
    timestamp: {
      type: 'string',
      format: 'rfc3339',
      description: 'When it happened, ISO 8601 with a zone; at most 1 day ahead, within retention',
    },
    user_id: { type: 'string', maxLength: EVENT_LIMITS.idMaxLength, pattern: NO_NUL },
    session_id: { type: 'string', maxLength: EVENT_LIMITS.idMaxLength, pattern: NO_NUL },
    properties: {
      type: 'object',
      maxProperties: EVENT_LIMITS.maxProperties,
      // No `"` or backslash: ClickHouse's visitParamExtract* would read such a key as part of another.
      propertyNames: {
        maxLength: EVENT_LIMITS.propertyKeyMaxLength,
        pattern: PROPERTY_NAME_PATTERN,
      },
      additionalProperties: {
        anyOf: [{ type: 'string', pattern: NO_NUL }, { type: 'number' }, { type: 'boolean' }],
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
ajv.addFormat('rfc3339', { type: 'string', validate: isRfc3339Timestamp });
/** Compiled once: on the hot path this is a plain function of the value (see bench/). */
const compiled = ajv.compile<IncomingEvent>(EVENT_SCHEMA);

export type EventCheck =
  { ok: true; event: IncomingEvent; timestamp: Date } | { ok: false; errors: FieldError[] };

/**
 * Checks one event against the contract and the tenant's plan: the schema, then the things a
 * schema cannot say (properties size, timestamp window). Errors name fields relative to the
 * event (`event_type`, `properties.plan`).
 */
export function checkEvent(value: unknown, now: number, retentionDays: number): EventCheck {
  if (!compiled(value)) return { ok: false, errors: fieldErrors(compiled.errors ?? []) };
  const errors: FieldError[] = [];
  // A lone UTF-16 surrogate passes JSON and the schema but no store takes it: refuse it here.
  for (const field of ['user_id', 'session_id'] as const) {
    const text = value[field];
    if (text !== undefined && !isWellFormedText(text)) {
      errors.push({ field, message: `${field} must be well-formed Unicode text` });
    }
  }
  for (const [key, property] of Object.entries(value.properties ?? {})) {
    if (!isWellFormedText(key) || (typeof property === 'string' && !isWellFormedText(property))) {
      const field = `properties.${isWellFormedText(key) ? key : '?'}`;
      errors.push({ field, message: 'property names and values must be well-formed Unicode text' });
    }
  }
  if (
    value.properties &&
    Buffer.byteLength(JSON.stringify(value.properties)) > EVENT_LIMITS.maxPropertiesBytes
  ) {
    errors.push({ field: 'properties', message: 'properties must be at most 8 KB as JSON' });
  }
  const timestamp = new Date(value.timestamp);
  if (timestamp.getTime() > now + EVENT_LIMITS.maxFutureMs) {
    errors.push({ field: 'timestamp', message: 'timestamp is more than 1 day in the future' });
  } else if (timestamp.getTime() < now - retentionDays * 86_400_000) {
    errors.push({
      field: 'timestamp',
      message: `timestamp is older than this plan's ${retentionDays}-day retention`,
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, event: value, timestamp };
}

export function toRow(
  tenantId: string,
  check: { event: IncomingEvent; timestamp: Date },
  receivedAt: Date,
): EventRow {
  return {
    tenantId,
    eventId: check.event.event_id.toLowerCase(),
    eventType: check.event.event_type,
    timestamp: check.timestamp,
    userId: check.event.user_id ?? '',
    sessionId: check.event.session_id ?? '',
    properties: check.event.properties ?? {},
    receivedAt,
  };
}

function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    // anyOf failures repeat once per branch; the anyOf error itself says it once.
    if (error.schemaPath.includes('/anyOf/')) continue;
    // A property name's own failure (pattern, length) repeats what the propertyNames error says.
    if (error.schemaPath.includes('/propertyNames/')) continue;
    const path = error.instancePath.split('/').slice(1).join('.');
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') {
      const field = joinPath(path, String(params.missingProperty));
      out.push({ field, message: `${field} is required` });
    } else if (error.keyword === 'additionalProperties') {
      const field = joinPath(path, String(params.additionalProperty));
      out.push({ field, message: `${field} is not an accepted field` });
    } else if (error.keyword === 'propertyNames') {
      const field = joinPath(path, String(params.propertyName));
      out.push({
        field,
        message: 'property names must be 1-128 characters without NUL, " or \\',
      });
    } else {
      const field = path || 'event';
      out.push({ field, message: describe(field, error) });
    }
  }
  return dedupe(out);
}

function describe(field: string, error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `${field} must be a ${String(params.type)}`;
    case 'format':
      return params.format === 'uuid'
        ? `${field} must be a UUID`
        : `${field} must be an ISO 8601 timestamp with a zone, like 2026-11-23T10:00:00Z`;
    case 'pattern':
      return field === 'event_type'
        ? 'event_type may hold only a-z, 0-9 and _ . : -'
        : `${field} must not contain NUL characters`;
    case 'maxLength':
    case 'minLength':
      return `${field} must be ${error.keyword === 'maxLength' ? 'at most' : 'at least'} ${String(params.limit)} characters`;
    case 'maxProperties':
      return `${field} may have at most ${String(params.limit)} keys`;
    case 'anyOf':
      return `${field} must be a string, number or boolean`;
    default:
      return `${field} ${error.message ?? 'is invalid'}`;
  }
}

function joinPath(parent: string, child: string): string {
  return parent ? `${parent}.${child}` : child;
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\u0001${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
