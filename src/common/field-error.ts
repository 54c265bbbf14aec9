import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** One problem with one named input field, as every 4xx validation answer lists them. */
export interface FieldError {
  field: string;
  message: string;
}

/** Flattens class-validator's nested errors into `field.path: message` pairs. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      // class-validator says "property x should not exist" for unknown fields; say it plainly.
      message: constraint === 'whitelistValidation' ? `${field} is not an accepted field` : message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export class InvalidInputException extends BadRequestException {
  constructor(readonly errors: FieldError[]) {
    super({
      statusCode: 400,
      error: 'Bad Request',
      message: `Invalid input: ${[...new Set(errors.map((e) => e.field))].join(', ')}`,
      errors,
    });
  }
}
