import type { SourceFile } from './source-files';

/**
 * SQL that leaves state on the session, which PgBouncer in transaction mode hands to another
 * client after the transaction (docs/local-stack.md, "PgBouncer"): the next client of that server
 * connection would inherit it (a tenant id!), or find a lock it never took.
 */
const SESSION_STATE: { pattern: RegExp; why: string }[] = [
  {
    // A statement that starts with SET (not UPDATE … SET), other than SET LOCAL.
    pattern: /[`'"]\s*SET\s+(SESSION\s+)?(?!LOCAL\b)[a-z_][a-z0-9_.]*\s*(=|TO\b)/gi,
    why: 'session SET (use SET LOCAL or set_config(…, true))',
  },
  {
    pattern: /[`'"]\s*SET\s+(SESSION\s+)?(ROLE|SESSION\s+AUTHORIZATION|TIME\s+ZONE)\b/gi,
    why: 'session SET ROLE / SESSION AUTHORIZATION / TIME ZONE (use SET LOCAL)',
  },
  {
    pattern: /[`'"]\s*RESET\s+(ALL|[a-z_][a-z0-9_.]*)\s*(;|[`'"])/gi,
    why: 'RESET acts on the session',
  },
  { pattern: /set_config\([^)]*,\s*false\s*\)/gi, why: 'set_config(…, false) is session-wide' },
  {
    pattern: /pg_(try_)?advisory_lock(_shared)?\s*\(/gi,
    why: 'session advisory lock (use pg_advisory_xact_lock, or a lease)',
  },
  { pattern: /[`'"]\s*(LISTEN|UNLISTEN)\s/g, why: 'LISTEN needs a session of its own' },
  { pattern: /\bDISCARD\s+(ALL|PLANS|SEQUENCES|TEMP)/g, why: 'DISCARD acts on the session' },
  { pattern: /\bWITH\s+HOLD\b/g, why: 'a WITH HOLD cursor outlives its transaction' },
  {
    pattern: /\bCREATE\s+(TEMP|TEMPORARY)\s+TABLE/gi,
    why: 'a temporary table lives in the session',
  },
  { pattern: /[`'"]\s*PREPARE\s+\w+/g, why: 'a named prepared statement lives in the session' },
];

/** `file:line why` for each piece of session state in `files` (empty: safe behind PgBouncer). */
export function sessionStateSql(files: SourceFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    for (const { pattern, why } of SESSION_STATE) {
      for (const match of file.text.matchAll(pattern)) {
        const line = file.text.slice(0, match.index).split('\n').length;
        found.push(`${file.path}:${line} ${why}`);
      }
    }
  }
  return found;
}
