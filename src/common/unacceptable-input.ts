import type { NextFunction, Request, Response } from 'express';
import { type FieldError, InvalidInputException } from './field-error';
import { isWellFormedText } from './well-formed-text';

/**
 * The most entries any list or object of a request may hold: the largest legitimate one is an
 * event batch (1,000 events). Validation walks every entry (and class-validator's nested checks
 * grow faster than the list: 100,000 widgets held the event loop for minutes), so a longer one is
 * refused before any of that work starts.
 */
export const MAX_ENTRIES = 1000;

/** What is wrong with a piece of text, or null: NUL and lone surrogates are refused everywhere. */
function textProblem(text: string): string | null {
  // PostgreSQL text cannot hold U+0000 (SQLSTATE 22021), and no field of ours has a use for it.
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (!isWellFormedText(text)) return 'must be well-formed Unicode (it holds a lone surrogate)';
  return null;
}

/**
 * The first unacceptable part of a parsed body or query, named by its field (`root` for the
 * whole): a NUL or a lone surrogate in any string or key (unless `checkText` is false), or a list
 * or object of more than MAX_ENTRIES entries. One pass over what JSON.parse built, before
 * validation sees it.
 */
export function findUnacceptableInput(
  value: unknown,
  path: string,
  options: { checkText: boolean; root: string },
): FieldError | null {
  const field = path || options.root;
  if (typeof value === 'string') {
    const problem = options.checkText ? textProblem(value) : null;
    return problem ? { field, message: `${field} ${problem}` } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  const entries = Array.isArray(value) ? value.length : Object.keys(value).length;
  if (entries > MAX_ENTRIES) {
    return { field, message: `${field} holds more than ${MAX_ENTRIES} entries` };
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findUnacceptableInput(value[index], `${path}[${index}]`, options);
      if (found) return found;
    }
    return null;
  }
  for (const [key, inner] of Object.entries(value)) {
    const name = path ? `${path}.${key}` : key;
    const keyProblem = options.checkText ? textProblem(key) : null;
    if (keyProblem) return { field: name, message: `the key of ${name} ${keyProblem}` };
    const found = findUnacceptableInput(inner, name, options);
    if (found) return found;
  }
  return null;
}

/** Routes that check the text of each item of a batch themselves (a NUL refuses that item, not the batch). */
export const ITEM_CHECKED_PATHS = new Set(['/v1/events']);

/** For the parsed JSON body (after the body parser). */
export function rejectUnacceptableBody(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const found = findUnacceptableInput(request.body, '', {
    checkText: !ITEM_CHECKED_PATHS.has(request.path),
    root: 'body',
  });
  next(found === null ? undefined : new InvalidInputException([found]));
}

/** For the query string; a repeated parameter arrives as an array and is checked whole. */
export function rejectUnacceptableQuery(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const found = findUnacceptableInput(request.query, '', { checkText: true, root: 'query' });
  if (found === null) {
    next();
    return;
  }
  const field = found.field.replace(/\[\d+\]$/, '');
  next(new InvalidInputException([{ field, message: found.message.replace(found.field, field) }]));
}
