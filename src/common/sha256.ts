import { createHash } from 'node:crypto';

/** SHA-256 as hex: how high-entropy secrets (refresh, API and password-set tokens) are stored. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
