/**
 * Comparing one query's answers from two ClickHouse versions (FORMAT JSONCompact bodies).
 * Numbers compare as numbers: 18.16 quotes 64-bit integers in JSON, current releases do not,
 * and an integer column may widen between versions (UInt32 there, UInt64 here). Row order
 * counts only where the text asks for one (ORDER BY); otherwise rows compare as a multiset.
 */

export interface Answer {
  meta?: { name: string; type: string }[];
  data?: unknown[][];
  rows_read?: number | string;
  elapsed?: number;
  error?: string;
}

const NUMERIC = /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/;

/** The answer's rows with numeric columns as numbers, as JSON texts (sorted unless ordered). */
export function normalisedRows(answer: Answer, ordered: boolean): string[] {
  const numeric = (answer.meta ?? []).map((column) => NUMERIC.test(column.type));
  const rows = (answer.data ?? []).map((row) =>
    JSON.stringify(
      row.map((value, index) =>
        numeric[index] && value !== null && value !== '' ? Number(value) : value,
      ),
    ),
  );
  return ordered ? rows : [...rows].sort();
}

/**
 * Whether the SQL text fixes the order of its rows: an ORDER BY in the outermost query (outside
 * parentheses and string literals, which may hold any character, backslash-escaped).
 */
export function isOrdered(sql: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < sql.length; i += 1) {
    if (quoted) {
      if (sql[i] === '\\') i += 1;
      else if (sql[i] === "'") quoted = false;
    } else if (sql[i] === "'") quoted = true;
    else if (sql[i] === '(') depth += 1;
    else if (sql[i] === ')') depth -= 1;
    else if (depth === 0 && /^ORDER\s+BY\b/i.test(sql.slice(i, i + 12))) return true;
  }
  return false;
}

/** Why two answers differ, or null when they are equal. Column names must match too. */
export function difference(sql: string, old: Answer, current: Answer): string | null {
  if (old.error !== undefined || current.error !== undefined) {
    if (old.error !== undefined && current.error !== undefined) return null;
    return old.error !== undefined
      ? `fails on 18.16 only: ${firstLine(old.error)}`
      : `fails on current ClickHouse only: ${firstLine(current.error!)}`;
  }
  const names = (answer: Answer) => (answer.meta ?? []).map((column) => column.name).join(',');
  if (names(old) !== names(current))
    return `columns differ: 18.16 [${names(old)}], current [${names(current)}]`;
  const ordered = isOrdered(sql);
  const [a, b] = [normalisedRows(old, ordered), normalisedRows(current, ordered)];
  if (a.length !== b.length) return `row counts differ: 18.16 ${a.length}, current ${b.length}`;
  const at = a.findIndex((row, index) => row !== b[index]);
  return at === -1 ? null : `row ${at + 1} differs: 18.16 ${a[at]}, current ${b[at]}`;
}

const firstLine = (text: string) => text.split('\n')[0].slice(0, 300);
