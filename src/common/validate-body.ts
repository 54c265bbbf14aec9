import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { type FieldError, flattenValidationErrors } from './field-error';

/**
 * Checks a body against its DTO class with the same rules as the global validation pipe
 * (unknown fields refused, no coercion), returning the problems instead of throwing: for a
 * route that answers problems of its body and of its query string in one 400.
 */
export async function validateBody<T extends object>(
  type: new () => T,
  body: unknown,
): Promise<{ value: T; errors: FieldError[] }> {
  const value = plainToInstance(type, body ?? {}, { enableImplicitConversion: false });
  const errors = await validate(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    stopAtFirstError: false,
  });
  return { value, errors: flattenValidationErrors(errors) };
}
