import { useState } from 'preact/hooks';
import { problemOf, type ApiProblem } from '../../shared/api';
import { Field, SelectField } from '../../shared/ui/field';
import {
  earliestFrom,
  fromLocalInput,
  latestTo,
  PRESETS,
  presetRange,
  toLocalInput,
  type Range,
} from './range';

/**
 * A preset (last 24 hours … 90 days) or a custom from/to. The inputs cannot go past what the API
 * accepts (`to` at most a day ahead, `from` before `to`); a bad custom pair is named under its
 * field, as the API would name it, before any request is sent.
 */
export function RangePicker({
  range,
  onChange,
  problem,
}: {
  range: Range;
  onChange: (range: Range) => void;
  problem?: ApiProblem;
}) {
  const [preset, setPreset] = useState<string>('7');
  const [fromText, setFromText] = useState(toLocalInput(range.from));
  const [toText, setToText] = useState(toLocalInput(range.to));
  const [local, setLocal] = useState<string | undefined>(undefined);
  const max = toLocalInput(latestTo());
  const min = toLocalInput(earliestFrom());

  const applyCustom = (nextFrom: string, nextTo: string) => {
    const from = fromLocalInput(nextFrom);
    const to = fromLocalInput(nextTo);
    if (!from || !to) return setLocal('Enter both dates');
    if (from >= to) return setLocal('from must be before to');
    if (to > latestTo()) return setLocal('to may be at most 1 day ahead');
    if (from < earliestFrom()) return setLocal('from may be at most 730 days back');
    setLocal(undefined);
    onChange({ from, to });
  };
  const shown: ApiProblem | undefined = local
    ? problemOf(400, {
        message: local,
        errors: [{ field: local.startsWith('to') ? 'to' : 'from', message: local }],
      })
    : problem;

  return (
    <div class="toolbar" role="group" aria-label="Time range">
      <SelectField
        label="Period"
        name="preset"
        options={PRESETS}
        value={preset}
        onChange={(value) => {
          setPreset(value);
          if (value !== 'custom') {
            const next = presetRange(Number(value));
            setFromText(toLocalInput(next.from));
            setToText(toLocalInput(next.to));
            setLocal(undefined);
            onChange(next);
          }
        }}
      />
      {preset === 'custom' && (
        <>
          <Field
            label="From"
            name="from"
            type="datetime-local"
            min={min}
            max={toText || max}
            value={fromText}
            problem={shown}
            onInput={(event) => {
              setFromText(event.currentTarget.value);
              applyCustom(event.currentTarget.value, toText);
            }}
          />
          <Field
            label="To"
            name="to"
            type="datetime-local"
            min={fromText}
            max={max}
            value={toText}
            problem={shown}
            onInput={(event) => {
              setToText(event.currentTarget.value);
              applyCustom(fromText, event.currentTarget.value);
            }}
          />
        </>
      )}
    </div>
  );
}
