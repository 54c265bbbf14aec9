import { DEFAULT_BRANDING } from '../../branding/tenant-branding.entity';
import { renderDashboardPage, renderRefusalPage } from './embed-page';

const script = {
  fileName: 'embed.0123456789abcdef.js',
  body: Buffer.from(''),
  integrity: 'sha384-x',
};

describe('embed page', () => {
  it('escapes names and titles, and keeps the JSON config inert inside its script element', () => {
    const html = renderDashboardPage({
      name: '<img src=x onerror=alert(1)>',
      widgets: [
        {
          id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
          kind: 'kpi',
          title: '</script><script>alert(1)</script>',
          metric: 'events',
          options: { range_days: 7 },
        },
      ],
      branding: DEFAULT_BRANDING,
      token: 'tok"en',
      expiresAt: 1,
      dashboardId: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
      script,
      nonce: 'n0nce',
    });
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // Exactly the two script elements of the page: the JSON one and the bundle.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('\\u003c/script\\u003e');
    expect(html).toContain('<style nonce="n0nce">');
  });

  it('refusal pages carry no script', () => {
    const html = renderRefusalPage({
      message: 'This dashboard link has expired.',
      branding: DEFAULT_BRANDING,
      nonce: 'n',
    });
    expect(html).not.toContain('<script');
    expect(html).toContain('id="embed-refusal"');
  });

  it('never writes a colour that is not #rrggbb into the stylesheet', () => {
    const html = renderRefusalPage({
      message: 'x',
      branding: { ...DEFAULT_BRANDING, primaryColor: 'red;} body{display:none' },
      nonce: 'n',
    });
    expect(html).toContain('--tenantry-primary: #4f46e5;');
    expect(html).not.toContain('display:none');
  });
});
