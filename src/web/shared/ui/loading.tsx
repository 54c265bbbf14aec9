import { useEffect, useState } from 'preact/hooks';

/** "Loading…", shown only once a load has taken 200 ms, so quick answers never flash it. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setVisible(true), 200);
    return () => clearTimeout(timer);
  }, []);
  return (
    <p class="loading" role="status" aria-live="polite">
      {visible ? label : ''}
    </p>
  );
}
