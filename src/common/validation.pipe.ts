import { ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors, InvalidInputException } from './field-error';

/**
 * The one validation pipe for every route: unknown fields are refused (not silently dropped),
 * strings are not coerced into other types behind the caller's back, and every error names
 * its field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => new InvalidInputException(flattenValidationErrors(errors)),
  });
}
