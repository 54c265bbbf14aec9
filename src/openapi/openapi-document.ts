import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { RFC3339_PATTERN } from './schemas';
import {
  DEFAULT_DESCRIPTIONS,
  ERROR_RESPONSE_SCHEMA,
  FIELD_ERROR_SCHEMA,
  INVALID_INPUT_RESPONSE_SCHEMA,
  TENANT_HEADER_400,
} from './error-responses';
import {
  RATE_LIMIT_HEADER_REFS,
  RATE_LIMIT_HEADERS,
  RATE_LIMITED_RESPONSE_SCHEMA,
} from '../billing/rate-limits/rate-limit-openapi';

/** The OpenAPI version the document is published in (JSON Schema 2020-12 schemas). */
export const OPENAPI_VERSION = '3.1.0';

type Json = Record<string, unknown>;

/**
 * The API's contract: what @nestjs/swagger reads off the controllers and DTOs, completed with
 * what every route answers by construction (the JSON error body on each refusal, the 400 of
 * the validation pipe, 401/403 of the access guards, 413/415 of the body parser) and published
 * as OpenAPI 3.1. Served at /docs-json; `npm run openapi` writes it to docs/openapi.json.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tenantry API')
      .setDescription(
        'Multi-tenant analytics platform. /admin routes take a platform admin token ' +
          '(POST /auth/admin/login); /v1 routes take a tenant credential (a user access token ' +
          'from POST /auth/login, or an API key) and act on that tenant only; a platform admin ' +
          'token acts on the tenant that X-Tenant-ID names. Each operation ' +
          'states who may call it in `x-access`: public, platform, or tenant with the ' +
          'permissions it needs.\n\n' +
          'Every refusal is JSON (`ErrorResponse`); a 400 names each field at fault in ' +
          '`errors`. Request bodies are JSON objects (at most 32 levels deep) whose unknown ' +
          'fields are refused; strings holding NUL or a lone surrogate, and lists or objects of ' +
          'more than 1,000 entries, are refused anywhere in a body or query string.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'platform-admin')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'tenant-token')
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'tk_… key (also accepted as Authorization: Bearer)',
        },
        'api-key',
      )
      .build(),
  );
  return completeDocument(document);
}

/** Adds what every route answers, then rewrites the schemas in their OpenAPI 3.1 forms. */
export function completeDocument(document: OpenAPIObject): OpenAPIObject {
  const components = (document.components ??= {});
  const schemas = (components.schemas ??= {}) as Json;
  schemas.FieldError = FIELD_ERROR_SCHEMA;
  schemas.ErrorResponse = ERROR_RESPONSE_SCHEMA;
  schemas.InvalidInputResponse = INVALID_INPUT_RESPONSE_SCHEMA;
  schemas.RateLimitedResponse = RATE_LIMITED_RESPONSE_SCHEMA;
  components.headers = { ...components.headers, ...structuredClone(RATE_LIMIT_HEADERS) };

  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
      if (!HTTP_METHODS.has(method)) continue;
      completeOperation(path, operation, method);
    }
  }
  closeObjectSchemas(document);
  pinTimestamps(document);
  const converted = toOpenApi31(document) as OpenAPIObject;
  converted.openapi = OPENAPI_VERSION;
  return sortResponses(converted);
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const ERROR_BODY = {
  'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } },
};
const INVALID_INPUT_BODY = {
  'application/json': { schema: { $ref: '#/components/schemas/InvalidInputResponse' } },
};

/** The 403 of a route gated by @RequireFeature (src/tenancy/scope/require-feature.decorator.ts). */
function featureRefusal(feature: string, fields: unknown): string {
  const when = Array.isArray(fields)
    ? ` and the body sets ${fields.map((f) => `\`${f}\``).join(', ')} to other than the defaults`
    : '';
  return (
    `Also when the tenant's plan does not include \`${feature}\` (\`x-feature\`)${when}: ` +
    `the body names \`feature\`, the tenant's \`plan\` and the \`plans\` that include it.`
  );
}

const TENANT_HELD_503 =
  'Also while the tenant is being moved to another database (the move’s last seconds): ' +
  'nothing was done; the body names `hold: tenant_move`; retry after Retry-After seconds.';
const TENANT_HELD_RETRY_AFTER = {
  description: 'Seconds to wait before sending again',
  schema: { type: 'integer', minimum: 1, maximum: 60 },
};

function completeOperation(path: string, operation: Json, method = 'get'): void {
  const responses = (operation.responses ??= {}) as Record<string, Json>;
  const access = operation['x-access'] as { kind?: string } | undefined;
  const ensure = (status: string, extra?: string) => {
    const response = (responses[status] ??= { description: '' });
    const description = typeof response.description === 'string' ? response.description.trim() : '';
    const parts = [description || DEFAULT_DESCRIPTIONS[status]];
    if (extra && !description.includes(extra)) parts.push(extra);
    response.description = parts.filter(Boolean).join('\n\n');
  };

  // The validation pipe, the query-string guard (NUL, lone surrogates, 1,000 entries) and
  // the path decoder answer 400 on every route.
  ensure('400', access?.kind === 'tenant' ? TENANT_HEADER_400 : undefined);
  if (operation.requestBody) {
    ensure('413');
    ensure('415');
  }
  if (access?.kind === 'tenant' || access?.kind === 'platform') {
    ensure('401');
    ensure('403');
  }
  const feature = operation['x-feature'];
  if (typeof feature === 'string') {
    ensure('403', featureRefusal(feature, operation['x-feature-fields']));
  }
  // Every path parameter names a resource the route looks up.
  if (/\{[^}]+\}/.test(path)) ensure('404');
  // A tenant write during the hold of a move to another placement (TenantTransactionInterceptor).
  const held = operation['x-outside-tenant-transaction'] !== true;
  if (access?.kind === 'tenant' && held && method !== 'get' && method !== 'head') {
    ensure('503', TENANT_HELD_503);
    responses['503'].headers = {
      ...(responses['503'].headers as Json | undefined),
      'Retry-After': TENANT_HELD_RETRY_AFTER,
    };
  }

  // Every answer to a counted tenant request carries the tenant's rate-limit state.
  if (access?.kind === 'tenant') {
    for (const response of Object.values(responses)) {
      response.headers = {
        ...structuredClone(RATE_LIMIT_HEADER_REFS),
        ...(response.headers as Json | undefined),
      };
    }
  }

  for (const [status, response] of Object.entries(responses)) {
    if (!/^[45]\d\d$/.test(status)) continue;
    if (!response.description) response.description = DEFAULT_DESCRIPTIONS[status] ?? status;
    // Responses a library described itself (terminus' health report) keep their schema.
    if (response.content) continue;
    response.content = status === '400' ? INVALID_INPUT_BODY : ERROR_BODY;
  }
}

/**
 * The validation pipe refuses unknown body fields (`forbidNonWhitelisted`), and every answer is
 * built field by field from its response class: every object schema of a request body or of
 * the components says so with `additionalProperties: false`, unless it says otherwise.
 */
function closeObjectSchemas(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
  const seen = new Set<string>();
  const visit = (schema: unknown): void => {
    if (!schema || typeof schema !== 'object') return;
    if (Array.isArray(schema)) {
      schema.forEach(visit);
      return;
    }
    const node = schema as Json;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      if (!seen.has(name)) {
        seen.add(name);
        visit(schemas[name]);
      }
      return;
    }
    if (node.properties && node.additionalProperties === undefined) {
      node.additionalProperties = false;
    }
    // The members of an allOf describe one object together: closing one alone would refuse
    // the others' fields. Their $refs are closed where they are defined.
    for (const member of (node.allOf as unknown[] | undefined) ?? []) {
      if (member && typeof member === 'object' && '$ref' in member) visit(member);
    }
    for (const key of ['properties', 'items', 'anyOf', 'oneOf', 'additionalProperties']) {
      const inner = node[key];
      if (key === 'properties' && inner && typeof inner === 'object') {
        Object.values(inner).forEach(visit);
      } else {
        visit(inner);
      }
    }
  };
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
      if (!HTTP_METHODS.has(method)) continue;
      const body = operation.requestBody as { content?: Record<string, { schema?: unknown }> };
      for (const media of Object.values(body?.content ?? {})) visit(media.schema);
    }
  }
  for (const name of Object.keys(schemas)) visit({ $ref: `#/components/schemas/${name}` });
}

/**
 * Every timestamp the API takes is checked by src/common/rfc3339.ts, and every one it answers
 * comes from Date#toISOString: `date-time` strings get that shape as their `pattern`.
 */
function pinTimestamps(value: unknown): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach(pinTimestamps);
    return;
  }
  const node = value as Json;
  if (node.format === 'date-time' && node.pattern === undefined) node.pattern = RFC3339_PATTERN;
  for (const [key, inner] of Object.entries(node)) {
    if (key !== 'example' && key !== 'examples') pinTimestamps(inner);
  }
}

/**
 * OpenAPI 3.0 forms that @nestjs/swagger writes, rewritten as 3.1 (JSON Schema 2020-12):
 * `nullable: true` becomes a `null` type (or a `null` alternative beside a $ref or a
 * composition), boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers.
 */
export function toOpenApi31(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toOpenApi31);
  if (!value || typeof value !== 'object') return value;
  const node: Json = {};
  for (const [key, inner] of Object.entries(value as Json)) {
    // Examples are data, not schemas: copied as they are.
    node[key] = key === 'example' || key === 'examples' ? inner : toOpenApi31(inner);
  }
  for (const bound of ['Minimum', 'Maximum'] as const) {
    const exclusive = node[`exclusive${bound}`];
    if (typeof exclusive === 'boolean') {
      const limit = node[bound.toLowerCase()];
      delete node[`exclusive${bound}`];
      if (exclusive && typeof limit === 'number') {
        node[`exclusive${bound}`] = limit;
        delete node[bound.toLowerCase()];
      }
    }
  }
  if (!('nullable' in node)) return node;
  const nullable = node.nullable === true;
  delete node.nullable;
  if (!nullable) return node;
  const composed = ['$ref', 'allOf', 'anyOf', 'oneOf'].some((key) => key in node);
  if (!composed && (typeof node.type === 'string' || Array.isArray(node.type))) {
    const types = (Array.isArray(node.type) ? node.type : [node.type]) as unknown[];
    node.type = types.includes('null') ? types : [...types, 'null'];
    const values = node.enum as unknown[] | undefined;
    if (Array.isArray(values) && !values.includes(null)) node.enum = [...values, null];
    return node;
  }
  // A $ref or a composition: null as one more alternative, the annotations kept outside.
  // (@nestjs/swagger writes `type: object` beside the allOf of a nullable class: the allOf says it.)
  const { description, example, default: fallback, type: _type, ...schema } = node;
  return {
    ...(description === undefined ? {} : { description }),
    ...(example === undefined ? {} : { example }),
    ...(fallback === undefined ? {} : { default: fallback }),
    anyOf: [schema, { type: 'null' }],
  };
}

/** Statuses in numeric order, so the document (and its committed copy) reads and diffs well. */
function sortResponses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
      if (!HTTP_METHODS.has(method) || !operation.responses) continue;
      operation.responses = Object.fromEntries(
        Object.entries(operation.responses as Json).sort(([a], [b]) => a.localeCompare(b)),
      );
    }
  }
  return document;
}
