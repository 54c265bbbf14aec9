import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  HttpException,
  Inject,
  Post,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { OutsideTenantTransaction } from '../../tenancy/scope/access-policy';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { Actor } from '../../tenancy/scope/actor';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import type { Tenant } from '../../tenancy/tenant.entity';
import { EVENT_SCHEMA } from '../events/event-contract';
import { RFC3339_SCHEMA } from '../../openapi/schemas';
import { EventIntakeService, type IntakeResult } from './event-intake.service';

const EXAMPLE_EVENT = {
  event_id: '6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11',
  event_type: 'page_view',
  timestamp: '2026-11-23T10:00:00Z',
  user_id: 'user-42',
  session_id: 'session-7',
  properties: { page_url: '/pricing', browser: 'firefox', country: 'DE', plan_price: 49 },
};

/**
 * The event contract as the document shows it: EVENT_SCHEMA (what ajv checks each event with),
 * with its timestamp in standard terms (ajv's `rfc3339` format is a function of ours).
 */
const DOCUMENTED_EVENT = {
  ...EVENT_SCHEMA,
  description:
    'One event. Also refused, each on its own: a timestamp more than a day ahead or older than ' +
    'the plan’s retention, properties over 8 KB as JSON, and a lone surrogate in any text.',
  properties: {
    ...EVENT_SCHEMA.properties,
    timestamp: { ...RFC3339_SCHEMA, description: EVENT_SCHEMA.properties.timestamp.description },
  },
};

const FIELD_ERRORS = { type: 'array', items: { $ref: '#/components/schemas/FieldError' } };

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(@Inject(EventIntakeService) private readonly intake: EventIntakeService) {}

  @Post()
  @HttpCode(202)
  @RequirePermissions('events:write')
  @OutsideTenantTransaction()
  @ApiOperation({
    summary: 'Send one event, or { events: [...] } up to 1,000 events and 1 MB',
    description:
      'Each event is checked on its own: the valid ones are accepted (durable in Kafka, or in ' +
      'the event store without Kafka, before this answers), the others come back in `rejected` ' +
      'with their index and the fields at fault. Sending an event_id again never stores it twice. ' +
      'Past the monthly event quota (calendar month, UTC) a starter tenant’s events are refused: ' +
      'when some of the request’s valid events still fit, the first ones are accepted and each ' +
      'other one comes back in `rejected` with the error `{ field: "quota", message: ' +
      '"quota_exceeded: …" }`; when none fits, 429. Growth and enterprise tenants go on (overage). ' +
      'The tenant is the credential’s; a tenant_id in the body is refused.',
  })
  @ApiBody({
    schema: {
      oneOf: [
        DOCUMENTED_EVENT,
        {
          type: 'object',
          additionalProperties: false,
          required: ['events'],
          properties: {
            events: { type: 'array', minItems: 1, maxItems: 1000, items: DOCUMENTED_EVENT },
          },
        },
      ],
    } as never,
    examples: {
      single: { value: EXAMPLE_EVENT },
      batch: {
        value: {
          events: [
            EXAMPLE_EVENT,
            {
              ...EXAMPLE_EVENT,
              event_id: '0b9e2a4c-1d3f-4e5a-8b7c-9d0e1f2a3b4c',
              event_type: 'signup',
            },
          ],
        },
      },
    },
  })
  @ApiAcceptedResponse({
    description: 'The valid events are durable; the others are listed with their faults',
    schema: {
      type: 'object',
      required: ['accepted', 'rejected'],
      additionalProperties: false,
      properties: {
        accepted: { type: 'integer', minimum: 1, maximum: 1000 },
        rejected: {
          type: 'array',
          maxItems: 999,
          items: {
            type: 'object',
            required: ['index', 'errors'],
            additionalProperties: false,
            properties: {
              index: { type: 'integer', minimum: 0, description: 'Position in `events` (0: a single event)' },
              errors: FIELD_ERRORS,
            },
          },
        },
      },
    },
  })
  @ApiBadRequestResponse({
    description:
      'Not one event or { events: [...] }, or no event was valid: `errors` names each field ' +
      '(`events[3].timestamp` in a batch), and `accepted` (0) and `rejected` come as on a 202',
  })
  @ApiPayloadTooLargeResponse({ description: 'Body over 1 MB' })
  @ApiTooManyRequestsResponse({
    description:
      'The monthly event quota of the tenant’s plan is reached (starter): nothing was accepted. ' +
      'Retry-After says when it resets, in seconds',
    headers: {
      'Retry-After': {
        description: 'Seconds until the quota resets (the first instant of next month, UTC)',
        schema: { type: 'integer', minimum: 1 },
      },
    },
    schema: {
      allOf: [
        { $ref: '#/components/schemas/ErrorResponse' },
        {
          type: 'object',
          required: ['reason', 'quota', 'used', 'resets_at'],
          properties: {
            statusCode: { const: 429 },
            reason: { const: 'quota_exceeded' },
            quota: { type: 'integer', description: 'Events per calendar month (UTC) of the plan' },
            used: { type: 'integer', description: 'Events accepted this month' },
            resets_at: {
              type: 'string',
              format: 'date-time',
              description: 'First instant of next month (UTC)',
            },
          },
        },
      ],
    } as never,
  })
  @ApiServiceUnavailableResponse({ description: 'Kafka unreachable: nothing was accepted; retry' })
  async ingest(
    @Body() body: unknown,
    @CurrentTenant() tenant: Tenant,
    @Res({ passthrough: true }) response: Response,
    @Actor() actor: Actor,
  ): Promise<IntakeResult> {
    const result = await this.intake.accept(tenant, body, new Date(), actor);
    if (result.kind === 'invalid') throw new BadRequestException(result.body);
    if (result.kind === 'quota_exceeded') {
      response.setHeader('Retry-After', String(result.retryAfterSeconds));
      throw new HttpException(result.body, 429);
    }
    if (result.kind === 'unavailable') {
      response.setHeader('Retry-After', '5');
      throw new ServiceUnavailableException(
        'The event pipeline is unavailable; nothing from this request was accepted. Retry later.',
      );
    }
    return result.body;
  }
}
