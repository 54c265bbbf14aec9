import { useState } from 'preact/hooks';
import { Field } from '../../shared/ui/field';
import { BreakdownView } from '../explorer/breakdown-view';
import { NO_FILTERS, type Filters } from '../explorer/filters';
import { FunnelView } from '../explorer/funnel-view';
import { presetRange, renewed, type Range } from '../explorer/range';
import { RangePicker } from '../explorer/range-picker';
import { RetentionView } from '../explorer/retention-view';
import { SummaryView } from '../explorer/summary-view';
import { TimeseriesView } from '../explorer/timeseries-view';

const VIEWS = [
  { id: 'summary', label: 'Summary' },
  { id: 'timeseries', label: 'Over time' },
  { id: 'breakdown', label: 'Breakdown' },
  { id: 'funnel', label: 'Funnel' },
  { id: 'retention', label: 'Retention' },
] as const;
type View = (typeof VIEWS)[number]['id'];

/**
 * The analytics explorer: one range and filter bar over the five analytics routes, each view
 * taking that route's own parameters. Filters apply on "Apply", so typing does not send a
 * request per key.
 */
export function ExplorerPage() {
  const [view, setView] = useState<View>('summary');
  const [range, setRange] = useState<Range>(() => presetRange(7));
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const props = { range, filters };
  return (
    <>
      <h1>Analytics explorer</h1>
      <section class="card explorer-controls" aria-label="Range and filters">
        <RangePicker range={range} onChange={setRange} />
        <form
          class="toolbar"
          onSubmit={(event) => {
            event.preventDefault();
            setFilters({ eventType: draft.eventType.trim(), properties: draft.properties.trim() });
            setRange(renewed(range));
          }}
        >
          {view !== 'funnel' && view !== 'retention' && (
            <Field
              label="Event type"
              name="event_type"
              hint="Empty: every event"
              maxLength={128}
              value={draft.eventType}
              onInput={(event) => setDraft({ ...draft, eventType: event.currentTarget.value })}
            />
          )}
          <Field
            label="Property filters"
            name="property"
            hint="key=value, separated by commas"
            maxLength={1000}
            value={draft.properties}
            onInput={(event) => setDraft({ ...draft, properties: event.currentTarget.value })}
          />
          <button type="submit">Apply filters</button>
        </form>
      </section>
      <div class="tabs" role="group" aria-label="Views">
        {VIEWS.map((item) => (
          <button
            type="button"
            key={item.id}
            aria-pressed={view === item.id}
            onClick={() => {
              setView(item.id);
              // "Last 7 days" means the 7 days up to now, however long the page has been open.
              setRange(renewed(range));
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
      <section class="card" aria-label={VIEWS.find((item) => item.id === view)?.label}>
        {view === 'summary' && <SummaryView {...props} />}
        {view === 'timeseries' && <TimeseriesView {...props} />}
        {view === 'breakdown' && <BreakdownView {...props} />}
        {view === 'funnel' && <FunnelView {...props} />}
        {view === 'retention' && <RetentionView {...props} />}
      </section>
    </>
  );
}
