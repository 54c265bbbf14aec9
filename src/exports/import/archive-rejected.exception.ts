import { BadRequestException } from '@nestjs/common';

/**
 * An import archive refused before anything was written: 400 naming the entry (or the archive
 * itself) and what is wrong with it, in the house's field-error shape.
 */
export class ArchiveRejectedException extends BadRequestException {
  constructor(entry: string | null, problem: string) {
    const field = entry ? `archive:${entry}` : 'archive';
    super({
      statusCode: 400,
      error: 'Bad Request',
      message: `Invalid archive${entry ? ` (${entry})` : ''}: ${problem}`,
      errors: [{ field, message: problem }],
    });
  }
}
