import type { Schemas } from '../../api-client';

/** The tenant's colours as CSS variables: the workspace chrome and the charts both read them. */
export type BrandColours = Pick<
  Schemas['BrandingResponse'],
  'primary_color' | 'accent_color' | 'background_color' | 'text_color'
>;

/**
 * Sets the branding on an element through the CSSOM (element.style.setProperty), which the
 * page's CSP allows where a style attribute string would be refused. `--brand` colours the
 * header and primary buttons; the `--tenantry-*` names are the embed page's, read by the chart
 * code shared with it (src/analytics/embed/client/embed-config.ts readTheme).
 */
export function applyBranding(element: HTMLElement, colours: BrandColours): void {
  const set = (name: string, value: string) => element.style.setProperty(name, value);
  set('--brand', colours.primary_color);
  set('--brand-text', readableOn(colours.primary_color));
  set('--tenantry-primary', colours.primary_color);
  set('--tenantry-accent', colours.accent_color);
  set('--tenantry-background', colours.background_color);
  set('--tenantry-text', colours.text_color);
}

/** Black or white, whichever reads better on the colour (WCAG relative luminance). */
export function readableOn(hex: string): string {
  const match = /^#([0-9a-f]{6})$/i.exec(hex.trim());
  if (!match) return '#ffffff';
  const channel = (offset: number) => {
    const value = parseInt(match[1].slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  // Contrast against white is 1.05 / (L + 0.05); against black (L + 0.05) / 0.05.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#000000';
}
