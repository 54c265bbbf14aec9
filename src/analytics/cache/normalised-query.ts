import type { AnalyticsQuery } from '../query/analytics-query';

/**
 * One text per distinct question, for the result cache key: the route's parsed parameters
 * (so defaults are filled and spellings settled by validation), object keys sorted, property
 * filters sorted (all must match: their order means nothing), and a range end or start the
 * request left to its default named as such (`now`, `default`) rather than as the instant it
 * resolved to, so the same question a few seconds later finds the same answer. The data
 * versions of the range, part of the key too, make sure new events there are not missed.
 * `earliest` (the retention bound, moving with the clock) is left out.
 */
export function normalisedQuery(
  route: string,
  params: { query: AnalyticsQuery },
  raw: Record<string, unknown>,
): string {
  const { filter } = params.query;
  const properties = [...filter.properties].sort(([a, x], [b, y]) =>
    a === b ? compare(x, y) : compare(a, b),
  );
  const shaped = {
    ...params,
    query: {
      timezone: params.query.timezone,
      filter: {
        ...filter,
        properties,
        from: raw.from === undefined ? 'default' : filter.from,
        to: raw.to === undefined ? 'now' : filter.to,
      },
    },
  };
  return `${route}:${canonicalJson(shaped)}`;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** JSON with object keys sorted, Dates as ISO text, Maps and Sets as arrays; undefined left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return [...value.entries()].map(canonical);
  if (value instanceof Set) return [...value].map(canonical);
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compare(a, b));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
