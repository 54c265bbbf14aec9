import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { EVENT_TYPE_SCHEMA, RFC3339_SCHEMA } from '../../openapi/schemas';

/**
 * The query parameters every analytics route shares, for the OpenAPI document. `property.<key>`
 * filters cannot be declared one by one (any key), so each route's description names them.
 */
export function ApiSharedQuery(options: { eventType: boolean } = { eventType: true }) {
  const decorators = [
    ApiQuery({
      name: 'from',
      required: false,
      schema: RFC3339_SCHEMA,
      description: 'RFC 3339; default 7 days before `to`; within the plan retention',
    }),
    ApiQuery({
      name: 'to',
      required: false,
      schema: RFC3339_SCHEMA,
      description:
        'RFC 3339, exclusive; default now; at most 1 day ahead, and at most the plan retention after `from`',
    }),
  ];
  if (options.eventType) {
    decorators.push(
      ApiQuery({
        name: 'event_type',
        required: false,
        schema: EVENT_TYPE_SCHEMA,
        example: 'purchase',
      }),
    );
  }
  return applyDecorators(...decorators);
}
