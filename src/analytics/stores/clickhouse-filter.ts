import { stringLiteral, uuidLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import type { EventFilter } from '../query/analytics-query';
import type { Interval } from '../query/buckets';

/** Bucket start in the tenant's timezone; each takes the zone as its second argument. */
export function bucketSql(interval: Interval, zone: string): string {
  switch (interval) {
    case 'minute':
      return `toStartOfMinute(timestamp, ${zone})`;
    case 'hour':
      return `toStartOfHour(timestamp, ${zone})`;
    case 'day':
      return `toStartOfDay(timestamp, ${zone})`;
    case 'week':
      return `toDateTime(toMonday(timestamp, ${zone}), ${zone})`;
  }
}

/**
 * The WHERE clause of a filter for ClickHouse, tenant first. 18.16 has no query parameters, so
 * every value goes through sql-literal.ts (a checked UUID, whole-second epochs, quoted strings).
 * A property matches as a JSON string ("DE") or as a raw number or boolean (49, true).
 */
export function clickhouseWhere(filter: EventFilter): string {
  const clauses = [
    `tenant_id = ${uuidLiteral(filter.tenantId)}`,
    `timestamp >= toDateTime(${Math.floor(filter.from.getTime() / 1000)})`,
    `timestamp < toDateTime(${Math.floor(filter.to.getTime() / 1000)})`,
  ];
  if (filter.eventType !== undefined)
    clauses.push(`event_type = ${stringLiteral(filter.eventType)}`);
  for (const [key, value] of filter.properties) {
    clauses.push(
      `visitParamExtractRaw(properties, ${stringLiteral(key)}) IN (${stringLiteral(JSON.stringify(value))}, ${stringLiteral(value)})`,
    );
  }
  return clauses.join(' AND ');
}
