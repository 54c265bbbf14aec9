import type { ApiProblem } from '../api';

/** The input attributes the consoles use (Preact's full input typing is a union per `type`). */
interface InputProps {
  type?: 'text' | 'email' | 'password' | 'number' | 'url' | 'search' | 'date' | 'datetime-local' | 'color';
  value?: string | number;
  placeholder?: string;
  autocomplete?: string;
  required?: boolean;
  disabled?: boolean;
  readOnly?: boolean;
  min?: string | number;
  max?: string | number;
  step?: string | number;
  maxLength?: number;
  onInput?: (event: Event & { currentTarget: HTMLInputElement }) => void;
}

/**
 * A labelled input. When the API named this field in its answer, the message sits under the
 * input and is tied to it (aria-invalid, aria-describedby), so screen readers announce it.
 */
export function Field({
  label,
  name,
  problem,
  hint,
  type = 'text',
  ...input
}: InputProps & { label: string; name: string; problem?: ApiProblem; hint?: string }) {
  const id = `field-${name}`;
  const error = problem?.fields[name];
  const describedBy = [error ? `${id}-error` : '', hint ? `${id}-hint` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        // Preact types each input `type` separately; the attributes above suit them all.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
        type={type as 'text'}
        id={id}
        name={name}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** A labelled <select> with the same error wiring. */
export function SelectField({
  label,
  name,
  problem,
  options,
  value,
  onChange,
}: {
  label: string;
  name: string;
  problem?: ApiProblem;
  options: readonly { value: string; label: string }[];
  value: string;
  onChange: (value: string) => void;
}) {
  const id = `field-${name}`;
  const error = problem?.fields[name];
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        name={name}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => onChange(event.currentTarget.value)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error && (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      )}
    </div>
  );
}
