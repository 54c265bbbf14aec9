import { stringLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import { promotedColumn } from './promoted-properties';

/**
 * One property of the stored `properties` JSON text, in ClickHouse SQL: its value as text, and
 * whether it holds a value. A promoted key (promoted-properties.ts) is read from its column,
 * which holds exactly propertyTextSql's value, computed at insert.
 */

/** Text matched literally inside an RE2 pattern. */
const regexText = (text: string) => text.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');

/**
 * Where one property's key starts in the stored `properties`, as an RE2 pattern. The writer
 * stores compact JSON of a flat object, so a key starts right after `{` or `,`, and never inside
 * a string (there every `"` is escaped). visitParamExtract* instead finds `"country":` anywhere,
 * so a key such as `x"country` (stored as "x\"country":) could answer for `country`.
 */
function keyPattern(key: string): string {
  return `[{,]${regexText(JSON.stringify(key))}:`;
}

/**
 * The raw JSON text of one property's value: a quoted string ("DE"), or a number or boolean as
 * written (49, true); '' when the event has no such key.
 */
function propertyRawSql(key: string): string {
  const pattern = `${keyPattern(key)}("(?:[^"\\\\]|\\\\.)*"|[^,}]*)`;
  return `extract(properties, ${stringLiteral(pattern)})`;
}

/**
 * One property's value as text from the JSON: a string unquoted (and unescaped), a number or
 * boolean as written; '' without the key. Also the MATERIALIZED expression of a promoted
 * key's column (schema step 7): changing it needs a new schema step.
 */
export function propertyJsonTextSql(key: string): string {
  const raw = propertyRawSql(key);
  return `if(substring(${raw}, 1, 1) = '"', visitParamExtractString(concat('{"v":', ${raw}, '}'), 'v'), ${raw})`;
}

/** One property's value as text: its promoted column, else from the JSON. */
export function propertyTextSql(key: string): string {
  return promotedColumn(key) ?? propertyJsonTextSql(key);
}

/**
 * A value the writer's JSON.stringify stores as itself in quotes: no quote, backslash, control
 * character or lone surrogate to escape. Only then is "the column equals the value" the same
 * test as propertyMatchSql's, and the empty value is left out as well (a promoted column holds
 * '' for an event without the key, which the match would not take).
 */
function storedVerbatim(value: string): boolean {
  return value !== '' && JSON.stringify(value) === `"${value}"`;
}

/**
 * Whether the event's property `key` holds `value`: as a JSON string ("DE"), or as a number or
 * boolean written so (49, true). A promoted key compares its column when that is the same test;
 * otherwise one match() per row: half the cost of extracting the value first (ClickHouse skips
 * the regex on rows without the key's text at all).
 */
export function propertyMatchSql(key: string, value: string): string {
  const column = promotedColumn(key);
  if (column !== undefined && storedVerbatim(value)) return `${column} = ${stringLiteral(value)}`;
  const values = [regexText(JSON.stringify(value))];
  if (value !== '' && !value.startsWith('"')) values.push(regexText(value));
  const pattern = `${keyPattern(key)}(?:${values.join('|')})[,}]`;
  return `match(properties, ${stringLiteral(pattern)})`;
}
