import { ServiceUnavailableException } from '@nestjs/common';

/** Seconds a writer is told to wait: a hold lasts at most 5 s, usually under 1. */
export const TENANT_HELD_RETRY_AFTER_SECONDS = 2;

/**
 * A write to a tenant whose data is being moved to another placement, during the move's last
 * seconds (its hold): nothing was done; the caller retries after Retry-After.
 */
export class TenantHeldException extends ServiceUnavailableException {
  constructor() {
    super({
      statusCode: 503,
      error: 'Service Unavailable',
      message:
        'This tenant is being moved to another database: writes pause for a few seconds; ' +
        `retry after ${TENANT_HELD_RETRY_AFTER_SECONDS} seconds`,
      hold: 'tenant_move',
    });
  }
}
