/**
 * The analytics routes' filters: `event_type` and any number of `property.<key>=<value>`. The
 * explorer takes the property filters as "key=value" pairs separated by commas; the API checks
 * the keys and values and names the one at fault.
 */
export interface Filters {
  eventType: string;
  properties: string;
}

export const NO_FILTERS: Filters = { eventType: '', properties: '' };

/** Most property filters sent (the API bounds them too; this keeps a typo from sending 1000). */
const MAX_PROPERTY_FILTERS = 10;

export function propertyQuery(text: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const pair of text.split(',').slice(0, MAX_PROPERTY_FILTERS)) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    query[`property.${pair.slice(0, at).trim()}`] = pair.slice(at + 1).trim();
  }
  return query;
}

/** The query of a summary/timeseries/breakdown call: range, event type, property filters. */
export function filterQuery(
  range: { from: string; to: string },
  filters: Filters,
): { from: string; to: string; event_type?: string } {
  return {
    from: range.from,
    to: range.to,
    ...(filters.eventType ? { event_type: filters.eventType } : {}),
    ...propertyQuery(filters.properties),
  };
}
