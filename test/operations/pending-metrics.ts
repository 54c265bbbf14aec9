/**
 * Metric names the alert rules and the dashboard use that another branch of issue 16 exports
 * (the ingestion overflow path). Until it is merged this app does not export them, so the
 * metric-name check leaves them out; after the merge, empty this list (the check then proves
 * them too).
 */
export const PENDING_METRICS: readonly string[] = [];
