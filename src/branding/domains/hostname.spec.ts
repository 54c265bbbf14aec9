import { normalizeCustomHostname } from './hostname';

const BASE = 'tenantry.example';
const ok = (input: string) => normalizeCustomHostname(input, BASE);

describe('normalizeCustomHostname', () => {
  it('lowercases, drops a trailing dot and turns unicode into punycode', () => {
    expect(ok('Analytics.Customer.COM')).toEqual({ hostname: 'analytics.customer.com' });
    expect(ok('analytics.customer.com.')).toEqual({ hostname: 'analytics.customer.com' });
    expect(ok('bücher.example')).toEqual({ hostname: 'xn--bcher-kva.example' });
    expect(ok('例え.テスト')).toEqual({ hostname: 'xn--r8jz45g.xn--zckzah' });
  });

  it.each([
    ['', 'empty'],
    ['203.0.113.7', 'IPv4'],
    ['1.2.3', 'short IPv4 form the URL parser expands'],
    ['0x7f.1', 'hex IPv4 form'],
    ['::1', 'IPv6'],
    ['[2001:db8::1]', 'bracketed IPv6'],
    ['localhost', 'single label'],
    ['https://analytics.customer.com', 'scheme'],
    ['analytics.customer.com:8443', 'port'],
    ['analytics.customer.com/app', 'path'],
    ['*.customer.com', 'wildcard'],
    ['a_b.customer.com', 'underscore'],
    ['-a.customer.com', 'leading hyphen'],
    ['a..customer.com', 'empty label'],
    ['customer.123', 'numeric top label'],
    [`${'a'.repeat(64)}.customer.com`, 'label over 63'],
    [`${'abcdefghi.'.repeat(26)}com`, 'over 253'],
    [BASE, 'the platform domain'],
    [`acme.${BASE}`, 'a tenant subdomain'],
    [`x.acme.${BASE.toUpperCase()}`, 'deeper under the platform domain'],
  ])('refuses %j (%s)', (input) => {
    expect(ok(input)).toHaveProperty('problem');
  });

  it('accepts exactly 253 characters and a name merely ending like the base domain', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(name).toHaveLength(253);
    expect(ok(name)).toEqual({ hostname: name });
    expect(ok(`eviltenantry.example`)).toEqual({ hostname: 'eviltenantry.example' });
  });
});
