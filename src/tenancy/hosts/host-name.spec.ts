import { hostnameOf } from './host-name';

describe('hostnameOf', () => {
  it('normalises a Host header to the name it addresses', () => {
    expect(hostnameOf('Analytics.Customer.COM:8443')).toBe('analytics.customer.com');
    expect(hostnameOf('analytics.customer.com.')).toBe('analytics.customer.com');
    expect(hostnameOf('  acme.tenantry.test ')).toBe('acme.tenantry.test');
  });

  it.each([
    undefined,
    '',
    '127.0.0.1',
    '127.0.0.1:3000',
    '[::1]:3000',
    'bad_name.example',
    'a b.example',
    `${'a'.repeat(254)}.example`,
  ])('never looks up %j', (host) => {
    expect(hostnameOf(host)).toBeUndefined();
  });
});
