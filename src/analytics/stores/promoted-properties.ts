/**
 * Property keys promoted to columns of their own in both event stores (issue 19): each event's
 * value of the key is computed once, as the event is inserted, by the store itself (PostgreSQL
 * GENERATED ... STORED, migration 1763900000282; ClickHouse MATERIALIZED, schema step 7). Filters
 * and breakdowns by a promoted key read its narrow column; every other key is read from the
 * properties JSON. The answers are the same either way (test/analytics/promoted-properties).
 *
 * Promoting another key takes a PostgreSQL migration and a ClickHouse schema step adding its
 * column, then its entry here: the key is promoted for every tenant at once (README, "Promoted
 * properties").
 */
export const PROMOTED_PROPERTIES: ReadonlyMap<string, string> = new Map([
  ['country', 'prop_country'],
  ['device', 'prop_device'],
  ['browser', 'prop_browser'],
  ['page_url', 'prop_page_url'],
]);

/** The column holding `key`'s values, or undefined when the key is read from the JSON. */
export function promotedColumn(key: string): string | undefined {
  return PROMOTED_PROPERTIES.get(key);
}
