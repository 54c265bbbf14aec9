import { escapeHtml } from '../../common/escape-html';
import type { InvoiceLine } from './invoice-calculator';

/** What the printable page shows: a finalised invoice or the upcoming draft. */
export interface InvoicePageView {
  tenantName: string;
  number: string | null;
  status: 'draft' | 'finalised';
  periodStart: Date;
  periodEnd: Date;
  lines: readonly InvoiceLine[];
  totalCents: number;
  /** The tenant's own currency, shown for information only: invoices are in USD. */
  displayCurrency: string | null;
}

export interface InvoicePageBranding {
  primaryColor: string;
  textColor: string;
  backgroundColor: string;
  logoUrl: string | null;
}

const DEFAULT_BRANDING: InvoicePageBranding = {
  primaryColor: '#4f46e5',
  textColor: '#111827',
  backgroundColor: '#ffffff',
  logoUrl: null,
};

/** Integer cents as US dollars, exactly (no float on the way): 123456 → "$1,234.56". */
export function formatUsd(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

const color = (value: string, fallback: string) =>
  /^#[0-9a-f]{6}$/i.test(value) ? value : fallback;

/** Only https logos (the branding DTO allows no other), quoted and escaped. */
const logo = (url: string | null) =>
  url && /^https:\/\//.test(url) ? `<img src="${escapeHtml(url)}" alt="">` : '';

const day = (date: Date) => date.toISOString().slice(0, 10);

/**
 * A printable invoice page in the tenant's colours and logo. Static HTML: every value escaped,
 * one inline <style> allowed by nonce, no script (the route's CSP forbids any).
 */
export function renderInvoicePage(
  view: InvoicePageView,
  branding: InvoicePageBranding | null,
  nonce: string,
): string {
  const b = branding ?? DEFAULT_BRANDING;
  const title =
    view.status === 'draft' ? 'Upcoming invoice (draft)' : `Invoice ${view.number ?? ''}`;
  const lastDay = new Date(view.periodEnd.getTime() - 1);
  const rows = view.lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.description)}</td><td class="n">${line.quantity.toLocaleString('en-US')}</td>` +
        `<td class="n">${formatUsd(line.unitPriceCents)}${line.kind === 'overage' ? ' / 1,000' : ' / month'}</td>` +
        `<td class="n">${formatUsd(line.amountCents)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} · ${escapeHtml(view.tenantName)}</title>
<style nonce="${escapeHtml(nonce)}">
body { font: 14px/1.5 system-ui, sans-serif; margin: 32px; color: ${color(b.textColor, '#111827')};
  background: ${color(b.backgroundColor, '#ffffff')}; }
header { display: flex; align-items: center; gap: 16px; }
header img { max-height: 40px; }
h1 { color: ${color(b.primaryColor, '#4f46e5')}; font-size: 22px; margin: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 24px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #d1d5db; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: 700; border-bottom: none; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<header>${logo(b.logoUrl)}<h1>${escapeHtml(title)}</h1></header>
<p>${escapeHtml(view.tenantName)} · period ${day(view.periodStart)} to ${day(lastDay)} (UTC)</p>
<table>
<thead><tr><th>Item</th><th class="n">Quantity</th><th class="n">Unit price</th><th class="n">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><td colspan="3">Total (USD)</td><td class="n">${formatUsd(view.totalCents)}</td></tr></tfoot>
</table>
${view.displayCurrency && view.displayCurrency !== 'USD' ? `<p>Amounts are in US dollars; your settings' currency (${escapeHtml(view.displayCurrency)}) is shown for information only.</p>` : ''}
</body>
</html>
`;
}
