import type { ComponentChildren } from 'preact';
import type { ApiProblem } from '../shared/api';
import { STATUS_LABELS, type TenantStatus } from './options';

/** A tenant's status as a labelled badge (colour and text, never colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge badge-${status}`}>{STATUS_LABELS[status as TenantStatus] ?? status}</span>
  );
}

/** A figure with its label, in the stats grid. */
export function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="value">{value}</div>
      {hint && <div class="hint">{hint}</div>}
    </div>
  );
}

/** A titled card of the tenant page, reachable from its in-page index by id. */
export function Card({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: ComponentChildren;
}) {
  return (
    <section class="card" id={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

/** A labelled checkbox, with the API's message when it named this field. */
export function CheckboxField({
  label,
  name,
  checked,
  problem,
  onChange,
}: {
  label: string;
  name: string;
  checked: boolean;
  problem?: ApiProblem;
  onChange: (checked: boolean) => void;
}) {
  const id = `field-${name}`;
  const error = problem?.fields[name];
  return (
    <div class="checkbox">
      <input
        type="checkbox"
        id={id}
        name={name}
        checked={checked}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
      <label for={id}>{label}</label>
      {error && (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** How much of a limit is used: a <meter> with the figures in words beside it. */
export function UsageMeter({
  label,
  used,
  limit,
  percentage,
}: {
  label: string;
  used: string;
  limit: string;
  percentage: number | null;
}) {
  const id = `meter-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <div class="usage">
      <div class="usage-label" id={id}>
        {label}: {used} of {limit}
        {percentage !== null && ` (${Math.round(percentage)}%)`}
      </div>
      {percentage !== null && (
        <meter
          aria-labelledby={id}
          min={0}
          max={100}
          low={80}
          high={95}
          optimum={0}
          value={Math.min(100, percentage)}
        />
      )}
    </div>
  );
}

/**
 * A table that scrolls sideways on a narrow screen: focusable and named, so a keyboard user can
 * scroll it too.
 */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
