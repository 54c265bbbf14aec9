import { call } from '../../shared/api';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatBytes, formatCount, formatDate } from '../format';
import { Card, UsageMeter } from '../ui';
import { asTenant } from './tenant-header';

/** This month's usage against the plan's limits (GET /v1/usage, acting as the tenant). */
export function UsageCard({ tenantId }: { tenantId: string }) {
  const { api } = useConsole();
  const usage = useResource(
    () => call(api.GET('/v1/usage', { params: asTenant(tenantId) })),
    [tenantId],
  );
  const data = usage.data;
  return (
    <Card id="usage" title="Usage against limits">
      <ProblemBanner problem={usage.problem} />
      {usage.loading && <Loading />}
      {data && (
        <>
          <p class="hint">
            {data.plan} plan, {formatDate(data.period.start)} to {formatDate(data.period.end)}
          </p>
          <UsageMeter
            label="Events"
            used={formatCount(data.events.accepted)}
            limit={formatCount(data.events.limit)}
            percentage={data.events.percentage}
          />
          <UsageMeter
            label="Storage"
            used={formatBytes(data.storage.bytes)}
            limit={formatBytes(data.storage.limit)}
            percentage={data.storage.percentage}
          />
          {data.users && (
            <UsageMeter
              label="Users"
              used={formatCount(data.users.count)}
              limit={data.users.limit === null ? 'unlimited' : formatCount(data.users.limit)}
              percentage={data.users.percentage}
            />
          )}
          {data.event_sources && (
            <UsageMeter
              label="Event sources"
              used={formatCount(data.event_sources.count)}
              limit={
                data.event_sources.limit === null
                  ? 'unlimited'
                  : formatCount(data.event_sources.limit)
              }
              percentage={data.event_sources.percentage}
            />
          )}
          <p class="hint">
            Rejected {formatCount(data.events.rejected)}, dead-lettered{' '}
            {formatCount(data.events.dead_lettered)}, overage {formatCount(data.events.overage)}.
          </p>
          {data.warnings.length > 0 && (
            <ul>
              {data.warnings.map((warning, index) => (
                <li key={index}>{typeof warning === 'string' ? warning : JSON.stringify(warning)}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </Card>
  );
}
