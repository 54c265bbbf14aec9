/**
 * How the per-tenant rate limit shows in the OpenAPI document: the three RateLimit fields on
 * every answer of a tenant route (src/openapi/openapi-document.ts adds them), and the 429 that
 * @RequirePermissions declares, with Retry-After and its body.
 */
export const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': {
    description:
      'The tenant’s API requests per minute (its plan’s figure), all credentials and app copies ' +
      'together (draft-ietf-httpapi-ratelimit-headers-06). Sent on every answer to a tenant ' +
      'credential that passed authentication; not to platform admins acting with X-Tenant-ID ' +
      '(not counted), nor while the rate-limit store is unreachable (requests pass uncounted).',
    schema: { type: 'integer', minimum: 1 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current sliding minute, this one counted',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Reset': {
    description:
      'Seconds until the window frees a request: the oldest counted request leaves the minute',
    schema: { type: 'integer', minimum: 1, maximum: 60 },
  },
} as const;

/** The same, as references to the document's components.headers (where completeDocument puts them). */
export const RATE_LIMIT_HEADER_REFS = Object.fromEntries(
  Object.keys(RATE_LIMIT_HEADERS).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
);

export const RETRY_AFTER_HEADER = {
  description: 'Seconds until the tenant may send again (the same as RateLimit-Reset)',
  schema: { type: 'integer', minimum: 1, maximum: 60 },
} as const;

/** The 429 body: the house error shape plus the plan, its limit and the wait. */
export const RATE_LIMITED_RESPONSE_SCHEMA = {
  type: 'object',
  description:
    'The tenant sent more API requests in the last minute than its plan allows (every ' +
    'credential of the tenant together; an event batch counts as one request)',
  required: ['statusCode', 'error', 'message', 'tier', 'limit', 'retry_after', 'requestId'],
  additionalProperties: false,
  properties: {
    statusCode: { const: 429 },
    error: { const: 'Too Many Requests' },
    message: { type: 'string' },
    tier: { type: 'string', enum: ['starter', 'growth', 'enterprise'], example: 'starter' },
    limit: { type: 'integer', minimum: 1, description: 'Requests per minute', example: 100 },
    retry_after: { type: 'integer', minimum: 1, maximum: 60, description: 'Seconds to wait' },
    requestId: { type: 'string' },
  },
} as const;
