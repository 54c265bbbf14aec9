import { registerDecorator, type ValidationArguments } from 'class-validator';
import {
  MAX_PROPERTY_FILTERS,
  MAX_PROPERTY_VALUE_LENGTH,
  PROPERTY_KEY,
} from '../../query/analytics-query';

/**
 * The first problem with a property-filters object like {"country": "DE"}, or null: the same
 * key and value rules as the analytics routes' `property.<key>=<value>` parameters (values are
 * compared as text, so a number or boolean is taken as its text).
 */
export function propertyFiltersProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'filters must be an object of property key to value, like {"country": "DE"}';
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_PROPERTY_FILTERS) {
    return `filters may hold at most ${MAX_PROPERTY_FILTERS} properties`;
  }
  for (const [key, item] of entries) {
    if (!PROPERTY_KEY.test(key)) {
      return `filters: a property key is 1-128 of A-Z a-z 0-9 _ . : - ("${key.slice(0, 40)}" is not)`;
    }
    const ok =
      (typeof item === 'string' && item.length <= MAX_PROPERTY_VALUE_LENGTH) ||
      (typeof item === 'number' && Number.isFinite(item)) ||
      typeof item === 'boolean';
    if (!ok) {
      return `filters.${key} must be a string of at most ${MAX_PROPERTY_VALUE_LENGTH} characters, a number or a boolean`;
    }
  }
  return null;
}

/** The filters as the stores compare them: every value as text. */
export function filtersAsText(value: Record<string, string | number | boolean> | undefined) {
  return Object.fromEntries(Object.entries(value ?? {}).map(([k, v]) => [k, String(v)]));
}

export function IsPropertyFilters(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPropertyFilters',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: (args: ValidationArguments) =>
          propertyFiltersProblem(args.value) ?? 'filters are invalid',
      },
      validator: { validate: (value: unknown) => propertyFiltersProblem(value) === null },
    });
}
