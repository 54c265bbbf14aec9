import { call } from '../../shared/api';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatCount, formatDateTime, formatNumber } from '../format';
import { Card, Stat } from '../ui';

/**
 * The tenant's operating figures (GET /admin/tenants/{id}/health): when it last sent events, its
 * dead letters by reason, its analytics p95 over the last hour, and its share of the consumer
 * backlog. A figure the platform cannot read here (no Redis, no Kafka) says so.
 */
export function OperationsCard({ tenantId }: { tenantId: string }) {
  const { api } = useConsole();
  const health = useResource(
    () => call(api.GET('/admin/tenants/{id}/health', { params: { path: { id: tenantId } } })),
    [tenantId],
  );
  const data = health.data;
  const reasons = Object.entries(data?.dead_letters?.by_reason ?? {}).sort(([, a], [, b]) => b - a);
  return (
    <Card id="operations" title="Operations">
      <ProblemBanner problem={health.problem} />
      {health.loading && <Loading />}
      {data && (
        <div class="stats">
          <Stat label="Last event" value={formatDateTime(data.last_event_at)} />
          <Stat
            label={`Dead letters (${data.dead_letters?.days ?? 7} days)`}
            value={data.dead_letters ? formatCount(data.dead_letters.total) : 'unavailable'}
            hint={
              data.dead_letters
                ? reasons.map(([reason, count]) => `${reason}: ${formatCount(count)}`).join(', ') ||
                  undefined
                : 'needs Redis'
            }
          />
          <Stat
            label={`Query p95 (${data.queries.window_minutes} min)`}
            value={data.queries.p95_ms === null ? '—' : `${formatNumber(data.queries.p95_ms)} ms`}
            hint={`${formatCount(data.queries.queries)} queries`}
          />
          <Stat
            label="Backlog share"
            value={data.lag ? formatCount(data.lag.estimated_backlog) : 'unavailable'}
            hint={
              data.lag
                ? `partition ${data.lag.partition}: ${formatCount(data.lag.partition_lag)} waiting, ` +
                  `${formatNumber(data.lag.intake_share * 100)}% of its intake`
                : 'no Kafka: events are written in-process'
            }
          />
        </div>
      )}
    </Card>
  );
}
