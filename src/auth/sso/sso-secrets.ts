import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A tenant's IdP client secret at rest: sealed with AES-256-GCM under SSO_SECRET_KEY, the
 * tenant id as associated data (a sealed value moved to another tenant's row does not open),
 * or a reference to an environment variable the operator sets for that tenant.
 */
const VERSION = 'v1';

/** `env:SSO_CLIENT_SECRET_<SLUG>`: the only variables a tenant may name (never JWT_SECRET). */
export function secretReferenceFor(slug: string): string {
  return `env:SSO_CLIENT_SECRET_${slug.toUpperCase().replace(/-/g, '_')}`;
}

export function isSecretReference(value: string): boolean {
  return value.startsWith('env:');
}

export function sealSecret(key: Buffer, tenantId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(tenantId));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), sealed]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The secret, or null when the value does not open under this key and tenant. */
export function openSecret(key: Buffer, tenantId: string, sealed: string): string | null {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(tenantId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(body, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}

/** SSO_SECRET_KEY as a 32-byte key, or null when unset. */
export function ssoSecretKey(base64: string | undefined): Buffer | null {
  if (!base64) return null;
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('SSO_SECRET_KEY must be 32 bytes in base64');
  return key;
}
