import type { ComponentChildren } from 'preact';

/**
 * A table's box, scrolling sideways on a narrow screen. Focusable (tabIndex 0) so a keyboard
 * reader can scroll it too, and labelled by the table's caption-like name (axe's
 * scrollable-region-focusable rule).
 */
export function TableWrap({
  label = 'Table',
  children,
}: {
  label?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
