import { Param, ParseUUIDPipe } from '@nestjs/common';
import { InvalidInputException } from './field-error';

/** A path parameter that must be a UUID; anything else is a 400 naming the parameter. */
export const UuidParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new InvalidInputException([{ field: name, message: `${name} must be a UUID` }]),
    }),
  );
