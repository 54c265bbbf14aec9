import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useWorkspace } from '../workspace';
import { filterQuery, type Filters } from './filters';
import type { Range } from './range';

const number = new Intl.NumberFormat();
const LABELS: Record<keyof Schemas['SummaryMetrics'], string> = {
  events: 'Events',
  users: 'Unique users',
  sessions: 'Sessions',
  events_per_user: 'Events per user',
};

/** GET /v1/analytics/summary: four figures, each against the period just before. */
export function SummaryView({ range, filters }: { range: Range; filters: Filters }) {
  const { api } = useWorkspace();
  const summary = useResource(
    () =>
      call(api.GET('/v1/analytics/summary', { params: { query: filterQuery(range, filters) } })),
    [range, filters],
  );
  if (summary.problem) return <ProblemBanner problem={summary.problem} />;
  if (!summary.data) return <Loading />;
  const metrics = summary.data.metrics;
  if (metrics.events.value === 0) {
    return <EmptyState>No events in this period</EmptyState>;
  }
  return (
    <div class="stats" aria-live="polite">
      {(Object.keys(LABELS) as (keyof typeof LABELS)[]).map((key) => (
        <div class="stat" key={key} data-metric={key}>
          <div>{LABELS[key]}</div>
          <div class="value" data-value={metrics[key].value}>
            {number.format(metrics[key].value)}
          </div>
          <div class="hint">previous period: {number.format(metrics[key].previous)}</div>
        </div>
      ))}
    </div>
  );
}
