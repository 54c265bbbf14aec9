import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { InvalidInputException } from './field-error';

/**
 * A path parameter that must be a UUID; anything else is a 400 naming the parameter. It documents
 * itself as one in the OpenAPI document (`format: uuid`).
 */
export const UuidParam =
  (name: string): ParameterDecorator =>
  (target, key, index) => {
    Param(
      name,
      new ParseUUIDPipe({
        exceptionFactory: () =>
          new InvalidInputException([{ field: name, message: `${name} must be a UUID` }]),
      }),
    )(target, key, index);
    const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key !== undefined && descriptor) {
      ApiParam({ name, required: true, schema: { type: 'string', format: 'uuid' } })(
        target,
        key,
        descriptor,
      );
    }
  };
