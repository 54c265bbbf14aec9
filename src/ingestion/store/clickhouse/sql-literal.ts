import { isUuid } from '../../../common/uuid';

/**
 * ClickHouse 18.16 has no server-side query parameters, so the few values that reach SQL text
 * go through here and nowhere else: a UUID is checked and written as toUUID('…'); a string is
 * quoted with every byte that could end or bend the literal escaped. Fuzzed against the real
 * server in test/ingestion/clickhouse-literals.e2e-spec.ts.
 */
export function uuidLiteral(value: string): string {
  if (!isUuid(value)) throw new Error('not a UUID');
  return `toUUID('${value.toLowerCase()}')`;
}

export function stringLiteral(value: string): string {
  let out = "'";
  for (const char of value) {
    switch (char) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '\0':
        out += '\\0';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += char;
    }
  }
  return `${out}'`;
}

/** Database and table names come from validated configuration, never from requests. */
export function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}
