import type { ComponentChildren } from 'preact';

/** What a list or chart with nothing in it says instead of showing a blank box. */
export function EmptyState({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
