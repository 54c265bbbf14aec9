import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';
import { ACCESS_TOKEN_ISSUER, EMBED_TOKEN_AUDIENCE } from '../../src/auth/token-policy';

/** A guest token signed like the app's, with claims of the test's choosing (an expired one, say). */
export function signGuestToken(
  claims: Record<string, unknown>,
  options: { secret?: string; audience?: string } = {},
): string {
  return new JwtService({ secret: options.secret ?? process.env.JWT_SECRET }).sign(
    { embed_user: { id: 'guest-1' }, filters: {}, jti: randomUUID(), ...claims },
    {
      algorithm: 'HS256',
      issuer: ACCESS_TOKEN_ISSUER,
      audience: options.audience ?? EMBED_TOKEN_AUDIENCE,
      ...(claims.exp === undefined ? { expiresIn: 300 } : {}),
    },
  );
}

/** POST /v1/guest-token as the given credential; the answer's body. */
export async function guestToken(
  http: TestAgent,
  auth: Record<string, string>,
  body: Record<string, unknown>,
): Promise<{ token: string; expires_at: string; embed_url: string }> {
  const response = await http.post('/v1/guest-token').set(auth).send(body).expect(200);
  return response.body;
}
