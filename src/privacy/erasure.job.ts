/** The BullMQ queue of erasure passes (one job per pass, added on request, not repeatable). */
export const ERASURE_QUEUE = 'privacy-erasures';

/** A failed pass is retried this many times in all, spaced out, before the request is failed. */
export const ERASURE_ATTEMPTS = 3;
export const ERASURE_BACKOFF_MS = 10_000;
