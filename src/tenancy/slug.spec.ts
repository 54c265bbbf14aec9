import { slugFromHost } from './slug';

describe('slugFromHost', () => {
  const base = 'tenantry.localhost';

  it.each([
    ['acme.tenantry.localhost', 'acme'],
    ['ACME.Tenantry.Localhost:3000', 'acme'],
    ['acme-2.tenantry.localhost.', 'acme-2'],
  ])('reads %s as %s', (host, slug) => {
    expect(slugFromHost(host, base)).toBe(slug);
  });

  it.each([
    [undefined],
    ['tenantry.localhost'],
    ['a.b.tenantry.localhost'],
    ['acme.other.localhost'],
    ['-acme.tenantry.localhost'],
    ['www.tenantry.localhost'],
    ['acme.tenantry.localhost.evil.com'],
  ])('finds no tenant in %s', (host) => {
    expect(slugFromHost(host, base)).toBeUndefined();
  });
});
