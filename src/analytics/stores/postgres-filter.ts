import type { EventFilter } from '../query/analytics-query';

/** Builds the WHERE clause of a filter with numbered parameters; no value enters the SQL text. */
export function postgresWhere(filter: EventFilter): { sql: string; values: unknown[] } {
  const values: unknown[] = [filter.tenantId, filter.from.toISOString(), filter.to.toISOString()];
  const clauses = ['tenant_id = $1', '"timestamp" >= $2', '"timestamp" < $3'];
  if (filter.eventType !== undefined) {
    values.push(filter.eventType);
    clauses.push(`event_type = $${values.length}`);
  }
  for (const [key, value] of filter.properties) {
    values.push(key, value);
    clauses.push(`properties ->> $${values.length - 1} = $${values.length}`);
  }
  return { sql: clauses.join(' AND '), values };
}
