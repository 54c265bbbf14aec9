import { useEffect, useMemo, useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { SelectField } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { Chart } from '../ui/chart';
import { useWorkspace } from '../workspace';
import { filterQuery, type Filters } from './filters';
import { allowedIntervals, suggestedInterval, type Interval, type Range } from './range';

const METRICS = [
  { value: 'events', label: 'Events' },
  { value: 'users', label: 'Unique users' },
  { value: 'sessions', label: 'Sessions' },
] as const;
type Metric = (typeof METRICS)[number]['value'];

/**
 * GET /v1/analytics/timeseries. Only the intervals that keep the answer within the API's 1000
 * buckets are offered for the range, so the picker cannot ask for one it would refuse.
 */
export function TimeseriesView({ range, filters }: { range: Range; filters: Filters }) {
  const { api } = useWorkspace();
  const [metric, setMetric] = useState<Metric>('events');
  const allowed = useMemo(() => allowedIntervals(range), [range]);
  const [interval, setInterval] = useState<Interval>(suggestedInterval(range));
  useEffect(() => {
    if (!allowed.includes(interval)) setInterval(suggestedInterval(range));
  }, [allowed]);
  const series = useResource(
    () =>
      call(
        api.GET('/v1/analytics/timeseries', {
          params: { query: { ...filterQuery(range, filters), metric, interval } },
        }),
      ),
    [range, filters, metric, interval],
  );
  const data = series.data;
  return (
    <>
      <div class="toolbar">
        <SelectField
          label="Metric"
          name="metric"
          options={METRICS}
          value={metric}
          onChange={(value) => setMetric(value as Metric)}
        />
        <SelectField
          label="Interval"
          name="interval"
          options={allowed.map((value) => ({ value, label: value }))}
          value={interval}
          problem={series.problem}
          onChange={(value) => setInterval(value as Interval)}
        />
      </div>
      <ProblemBanner problem={series.problem} />
      {!data && !series.problem && <Loading />}
      {data &&
        (data.buckets.every((bucket) => bucket.value === 0) ? (
          <EmptyState>No events in this period</EmptyState>
        ) : (
          <Chart
            title={`${METRICS.find((m) => m.value === data.metric)?.label ?? data.metric} per ${data.interval}`}
            data={{
              kind: 'timeseries',
              interval: data.interval,
              timezone: data.timezone,
              buckets: data.buckets,
            }}
          />
        ))}
    </>
  );
}
