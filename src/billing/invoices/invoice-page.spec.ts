import { formatUsd, renderInvoicePage } from './invoice-page';

const view = {
  tenantName: 'Acme <script>alert(1)</script>',
  number: 'ACME-00001',
  status: 'finalised' as const,
  periodStart: new Date('2026-11-01T00:00:00Z'),
  periodEnd: new Date('2026-12-01T00:00:00Z'),
  lines: [
    {
      kind: 'base' as const,
      description: 'growth v1, "quoted" & <b>',
      plan: 'growth',
      version: 1,
      quantity: 2_592_000,
      unitPriceCents: 49_900,
      amountCents: 49_900,
    },
    {
      kind: 'overage' as const,
      description: '2345678 events over',
      plan: 'growth',
      version: 1,
      quantity: 2_345_678,
      unitPriceCents: 5,
      amountCents: 11_728,
    },
  ],
  totalCents: 61_628,
  displayCurrency: 'EUR',
};

describe('printable invoice page', () => {
  it('formats integer cents exactly', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(5)).toBe('$0.05');
    expect(formatUsd(61_628)).toBe('$616.28');
    expect(formatUsd(900_000_001)).toBe('$9,000,000.01');
  });

  it('escapes every value and runs no script', () => {
    const html = renderInvoicePage(view, null, 'n0nce');
    expect(html).not.toContain('<script');
    expect(html).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('growth v1, &quot;quoted&quot; &amp; &lt;b&gt;');
    expect(html).toContain('<style nonce="n0nce">');
  });

  it("shows the lines, the total, the period's last day and the tenant's currency as information", () => {
    const html = renderInvoicePage(view, null, 'n');
    expect(html).toContain('Invoice ACME-00001');
    expect(html).toContain('$499.00 / month');
    expect(html).toContain('$0.05 / 1,000');
    expect(html).toContain('$117.28');
    expect(html).toContain('$616.28');
    expect(html).toContain('period 2026-11-01 to 2026-11-30 (UTC)');
    expect(html).toContain('currency (EUR) is shown for information only');
  });

  it("wears the tenant's colours and https logo, and drops anything else", () => {
    const html = renderInvoicePage(
      { ...view, status: 'draft', number: null },
      {
        primaryColor: '#ff0000',
        textColor: 'red;}body{display:none',
        backgroundColor: '#000000',
        logoUrl: 'javascript:alert(1)',
      },
      'n',
    );
    expect(html).toContain('Upcoming invoice (draft)');
    expect(html).toContain('color: #ff0000');
    expect(html).not.toContain('display:none');
    expect(html).not.toContain('javascript:');
    const withLogo = renderInvoicePage(
      view,
      {
        primaryColor: '#ff0000',
        textColor: '#111111',
        backgroundColor: '#ffffff',
        logoUrl: 'https://cdn.example.com/logo.png?a=1&b="2"',
      },
      'n',
    );
    expect(withLogo).toContain(
      '<img src="https://cdn.example.com/logo.png?a=1&amp;b=&quot;2&quot;" alt="">',
    );
  });
});
