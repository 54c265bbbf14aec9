/**
 * The estimated cost of one analytics query, in US dollars, by the product's cost formula:
 * $0.000001 per row read plus $0.00001 per second, times the query kind's multiplier. Funnels
 * and retention order each user's events, so they weigh double a plain aggregate.
 */
export const COST_PER_ROW_READ = 0.000001;
export const COST_PER_SECOND = 0.00001;

export const QUERY_KIND_MULTIPLIER = {
  summary: 1,
  timeseries: 1,
  breakdown: 1,
  funnel: 2,
  retention: 2,
  embed_widget: 1,
} as const;
export type QueryKind = keyof typeof QUERY_KIND_MULTIPLIER;

export function estimateQueryCost(kind: QueryKind, rowsRead: number, durationMs: number): number {
  const cost =
    (rowsRead * COST_PER_ROW_READ + (durationMs / 1000) * COST_PER_SECOND) *
    QUERY_KIND_MULTIPLIER[kind];
  // The column keeps nine decimals: a nano-dollar.
  return Math.round(cost * 1e9) / 1e9;
}
