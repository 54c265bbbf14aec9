/**
 * The JSON error body every refusal leaves with (src/common/all-exceptions.filter.ts,
 * src/common/json-body.ts), as OpenAPI 3.1 schemas. Some answers add fields of their own
 * (`missing_permissions` on a refused grant, `limit` on a store limit, `accepted` and `rejected`
 * on an event batch with no valid event), so the body stays open to more fields.
 */
export const FIELD_ERROR_SCHEMA = {
  type: 'object',
  description: 'One problem with one named input field',
  required: ['field', 'message'],
  additionalProperties: false,
  properties: {
    field: {
      type: 'string',
      description:
        'The field at fault: a body field (`email`, `widgets[0].type`, `events[3].timestamp`), a ' +
        'query or path parameter, a header (`X-Tenant-ID`), or `body`, `query`, `path`, `request`',
      example: 'email',
    },
    message: { type: 'string', example: 'email must be an email address' },
  },
} as const;

export const ERROR_RESPONSE_SCHEMA = {
  type: 'object',
  description: 'Every error answer: the status, its reason phrase, a message, and the request id',
  required: ['statusCode', 'error', 'message', 'requestId'],
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599, example: 404 },
    error: { type: 'string', description: 'The reason phrase', example: 'Not Found' },
    message: { type: 'string' },
    errors: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } },
    missing_permissions: {
      type: 'array',
      items: { type: 'string' },
      description: 'A refused grant (403): the permissions the caller lacks',
    },
    limit: {
      type: ['string', 'integer'],
      description:
        'A query the analytics store refused (422, 503): the store limit it crossed; a count ' +
        'limit of the plan (403): the number allowed',
      example: 'max_rows_to_read',
    },
    current: {
      type: 'integer',
      minimum: 0,
      description: 'A count limit of the plan (403): how many the tenant has now',
    },
    resource: {
      type: 'string',
      enum: ['users', 'event_sources'],
      description: 'A count limit of the plan (403): what is counted',
    },
    feature: {
      type: 'string',
      enum: ['white_label', 'sso', 'funnels_retention', 'dedicated_database'],
      description: "A feature the tenant's plan lacks (403)",
    },
    plan: {
      type: 'string',
      description: "A plan refusal (403): the tenant's plan",
    },
    plans: {
      type: 'array',
      items: { type: 'string' },
      description: 'A feature the plan lacks (403): the plans that include it',
    },
    requestId: {
      type: 'string',
      description:
        'The X-Request-ID of the request (the caller’s when safe to log, else a new UUID)',
    },
  },
  additionalProperties: true,
} as const;

/** A 400: the same body, always naming at least one field. */
export const INVALID_INPUT_RESPONSE_SCHEMA = {
  allOf: [
    { $ref: '#/components/schemas/ErrorResponse' },
    {
      type: 'object',
      required: ['errors'],
      properties: {
        statusCode: { const: 400 },
        errors: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/FieldError' } },
      },
    },
  ],
  description: 'A 400: which fields are at fault, each with its problem',
} as const;

/** What each status means wherever a route does not say more. */
export const DEFAULT_DESCRIPTIONS: Record<string, string> = {
  '400':
    'A parameter, header or body field is malformed, missing, unknown or out of range: each is ' +
    'named in `errors`. Every string is refused with NUL or a lone surrogate, and every list or ' +
    'object with more than 1,000 entries.',
  '401': 'Missing, invalid or expired credential',
  '403': 'The credential may not do this',
  '404': 'No such resource (or it belongs to another tenant: the same answer)',
  '409': 'Conflicts with the current state',
  '413': 'Body larger than the accepted limit',
  '415': 'A body that is not application/json, or in an unsupported encoding or charset',
  '422': 'The analytics store would read more than it allows per query: narrow the range or filter',
  '429': 'Too many attempts from this IP: see Retry-After',
  '503': 'A service this needs is unavailable or overloaded: retry later',
};

export const TENANT_HEADER_400 =
  'X-Tenant-ID that is not a UUID (any credential); for a platform admin also a missing ' +
  'X-Tenant-ID (without a tenant subdomain or custom domain) or one naming another tenant than ' +
  'the Host subdomain: a 400 ' +
  'naming `X-Tenant-ID`.';
