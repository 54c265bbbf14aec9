/** Deeper JSON than this is refused: nothing legitimate nests so far, and deep nesting can exhaust the stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when raw JSON nests objects/arrays deeper than `limit`. One pass over the bytes with
 * strings skipped, before any parser sees them: JSON.parse takes 5,000 levels, but everything
 * that walks the result recursively afterwards (validation, JSON.stringify) may not.
 */
export function jsonDepthExceeds(raw: Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > limit) return true;
    } else if (byte === 0x7d || byte === 0x5d) {
      depth--;
    }
  }
  return false;
}
