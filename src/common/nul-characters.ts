import type { NextFunction, Request, Response } from 'express';
import { InvalidInputException } from './field-error';

/**
 * PostgreSQL text cannot hold U+0000 (it fails the statement with SQLSTATE 22021), and no field
 * of ours has a use for it. Refused at the edge, naming the field, for bodies and query strings.
 */
export function findNulCharacter(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findNulCharacter(value[index], `${path}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const name = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return name;
      const found = findNulCharacter(inner, name);
      if (found) return found;
    }
  }
  return null;
}

function nulError(field: string): InvalidInputException {
  return new InvalidInputException([
    { field, message: `${field} must not contain NUL characters` },
  ]);
}

/** Routes that check each item of a batch themselves (a NUL refuses that item, not the batch). */
export const ITEM_CHECKED_PATHS = new Set(['/v1/events']);

/** For the parsed JSON body (after the body parser). */
export function rejectNulInBody(request: Request, _response: Response, next: NextFunction): void {
  if (ITEM_CHECKED_PATHS.has(request.path)) {
    next();
    return;
  }
  const field = findNulCharacter(request.body, '');
  next(field === null ? undefined : nulError(field || 'body'));
}

/** For the query string; a repeated parameter arrives as an array and is checked whole. */
export function rejectNulInQuery(request: Request, _response: Response, next: NextFunction): void {
  const field = findNulCharacter(request.query, '');
  next(field === null ? undefined : nulError(field.replace(/\[\d+\]$/, '')));
}
