import { QueryFailedError } from 'typeorm';

/** True for a PostgreSQL unique_violation (23505), which services turn into a 409. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505'
  );
}
