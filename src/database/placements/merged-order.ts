/**
 * Ascending order of two sort keys as PostgreSQL orders them, for rows merged from several
 * placement databases and sorted again in JS: numbers, bigints and dates by value, text by code
 * unit (uuids and the other keys the readers sort by are ASCII, where the C collation agrees).
 */
export function ascending<K extends string | number | bigint | Date>(a: K, b: K): number {
  const left = a instanceof Date ? a.getTime() : a;
  const right = b instanceof Date ? b.getTime() : b;
  return left < right ? -1 : left > right ? 1 : 0;
}
