import { ValidateIf } from 'class-validator';

/**
 * An optional field: it may be left out, but null is not one of its values. class-validator's
 * IsOptional skips null as well, which let `{ "name": null }` through every other check to a NOT
 * NULL column (a 500). Use IsOptional only where null means something (branding's logo_url).
 */
export const IsOmittable = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);
