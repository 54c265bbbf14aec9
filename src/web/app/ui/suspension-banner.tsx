import { useEffect, useState } from 'preact/hooks';
import type { TenantStatus } from '../tenant-status';

/**
 * The API's own words when the tenant is suspended or deleted, on whatever page is open: every
 * call fails from then on, and the reader should learn why rather than see each page's error.
 */
export function SuspensionBanner({ status }: { status: TenantStatus }) {
  const [message, setMessage] = useState(status.current);
  useEffect(() => status.subscribe(setMessage), [status]);
  if (!message) return null;
  return (
    <div class="suspended" role="alert" data-testid="tenant-status">
      <strong>This workspace is unavailable</strong>
      {message}
    </div>
  );
}
