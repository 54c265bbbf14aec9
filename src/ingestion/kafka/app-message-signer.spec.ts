import type { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { AppMessageSigner } from './app-message.signer';

const signerWith = (secret: string) =>
  new AppMessageSigner({
    get: () => secret,
  } as unknown as ConfigService<Environment, true>);

describe('AppMessageSigner', () => {
  const signer = signerWith('a-jwt-secret-of-at-least-32-characters!!');
  const headers = {
    tenant_id: '3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e',
    received_at: '1764400000000',
    ingested_via: 'http',
  };
  const value = Buffer.from('{"events":[{"event_type":"a"}]}');
  const signed = { ...headers, app_signature: signer.sign(headers, value) };

  it('verifies its own signature over the same headers and value', () => {
    expect(signer.verify(signed, value)).toBe(true);
  });

  it('refuses a changed tenant, time, origin or value, and a missing signature', () => {
    expect(
      signer.verify({ ...signed, tenant_id: '00000000-0000-4000-8000-000000000000' }, value),
    ).toBe(false);
    expect(signer.verify({ ...signed, received_at: '1' }, value)).toBe(false);
    expect(signer.verify({ ...signed, ingested_via: 'kafka' }, value)).toBe(false);
    expect(signer.verify(signed, Buffer.from('{"events":[]}'))).toBe(false);
    expect(signer.verify(headers, value)).toBe(false);
  });

  it('refuses a signature made with another secret (another deployment, or a guess)', () => {
    const other = signerWith('another-jwt-secret-of-32-characters-or-more');
    expect(other.verify(signed, value)).toBe(false);
  });
});
