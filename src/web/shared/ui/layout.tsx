import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';

export interface NavLink {
  href: string;
  label: string;
}

/**
 * A console page: a skip link, the header with the product name and the signed-in account,
 * the navigation (a row of links that wraps on a phone), and the page's main content.
 */
export function Layout({
  product,
  account,
  links,
  onLogout,
  children,
}: {
  product: string;
  account: string;
  links: readonly NavLink[];
  onLogout: () => void;
  children: ComponentChildren;
}) {
  const { path } = useLocation();
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="product">{product}</span>
        <span class="account">{account}</span>
        <button type="button" onClick={onLogout}>
          Log out
        </button>
      </header>
      <nav class="main-nav" aria-label="Sections">
        <ul>
          {links.map((link) => (
            <li key={link.href}>
              <a
                href={link.href}
                aria-current={isCurrent(path, link.href) ? 'page' : undefined}
              >
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** The section's own page or one under it; the console's home link matches only itself. */
function isCurrent(path: string, href: string): boolean {
  if (path === href) return true;
  return href.split('/').length > 2 && path.startsWith(`${href}/`);
}
