import { ApiProperty } from '@nestjs/swagger';
import Ajv from 'ajv';
import { ValidateBy } from 'class-validator';
import { isWellFormedText } from '../../common/well-formed-text';
import { EVENT_LIMITS, EVENT_SCHEMA } from '../../ingestion/events/event-contract';

/**
 * The end user's id exactly as ingestion takes it (the event contract's user_id schema: at most
 * 256 characters, no NUL, well-formed Unicode), and not empty: events without a user belong to
 * nobody, and erasing "" would erase every anonymous event.
 */
const USER_ID_SCHEMA = { ...EVENT_SCHEMA.properties.user_id, minLength: 1 };
const validUserId = new Ajv({ strict: true }).compile<string>(USER_ID_SCHEMA);

const IsEndUserId = (): PropertyDecorator =>
  ValidateBy({
    name: 'isEndUserId',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && validUserId(value) && isWellFormedText(value),
      defaultMessage: () =>
        `user_id must be a non-empty string of at most ${EVENT_LIMITS.idMaxLength} characters, ` +
        'well-formed Unicode without NUL, as events carry it',
    },
  });

export class CreateErasureDto {
  @ApiProperty({
    description: 'The end user whose events are erased: the user_id your events carry',
    minLength: 1,
    maxLength: EVENT_LIMITS.idMaxLength,
    pattern: EVENT_SCHEMA.properties.user_id.pattern,
    example: 'user-4711',
  })
  @IsEndUserId()
  user_id: string;
}
