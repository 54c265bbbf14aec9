import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { EVENT_TYPE_PATTERN } from '../query/analytics-query';
import { MAX_FUNNEL_STEPS, MAX_FUNNEL_WINDOW_SECONDS, MIN_FUNNEL_STEPS } from '../query/funnel';

/** The body of POST /v1/analytics/funnel: which steps, how long a user has to go through them. */
export class FunnelRequest {
  @ApiProperty({
    type: [String],
    minItems: MIN_FUNNEL_STEPS,
    maxItems: MAX_FUNNEL_STEPS,
    uniqueItems: true,
    items: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[a-z0-9_.:-]+$' },
    example: ['signup', 'activate', 'purchase'],
    description: `${MIN_FUNNEL_STEPS}-${MAX_FUNNEL_STEPS} distinct event types, in funnel order`,
  })
  @IsArray()
  @ArrayMinSize(MIN_FUNNEL_STEPS)
  @ArrayMaxSize(MAX_FUNNEL_STEPS)
  @ArrayUnique({ message: 'steps must be distinct event types' })
  @IsString({ each: true })
  @Matches(EVENT_TYPE_PATTERN, {
    each: true,
    message: 'each step is an event type: a-z, 0-9 and _ . : - (1-128)',
  })
  steps: string[];

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_FUNNEL_WINDOW_SECONDS,
    example: 86_400,
    description: 'Seconds from a user’s first-step event by which every later step must happen',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_FUNNEL_WINDOW_SECONDS)
  window_seconds: number;
}
