import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdpAddressRefusedError, isInternalAddress, refuseInternalHost } from './idp-address';
import { createIdpFetch } from './oidc-http';

describe('identity provider addresses (SSRF guard)', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    '::FFFF:127.0.0.1',
  ])('%s is internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])(
    '%s is not',
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );

  it('refuses a name that resolves to loopback, and a bracketed IPv6 literal', async () => {
    await expect(refuseInternalHost('localhost')).rejects.toBeInstanceOf(IdpAddressRefusedError);
    await expect(refuseInternalHost('[::1]')).rejects.toBeInstanceOf(IdpAddressRefusedError);
    await expect(refuseInternalHost('8.8.8.8')).resolves.toBeUndefined();
  });

  it('the production fetch refuses an internal host before connecting; the test one connects', async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/openid-configuration`;
    try {
      const production = createIdpFetch({ allowInternalAddresses: false });
      await expect(production(url, { method: 'GET', headers: {} } as never)).rejects.toBeInstanceOf(
        IdpAddressRefusedError,
      );
      expect(requests).toBe(0);
      const development = createIdpFetch({ allowInternalAddresses: true });
      const response = await development(url, { method: 'GET', headers: {} } as never);
      expect(response.status).toBe(200);
      expect(requests).toBe(1);
    } finally {
      server.close();
    }
  });
});
