import { call } from '../../shared/api';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { BackupsCard } from '../backups-card';
import { useConsole } from '../console';
import { formatCount } from '../format';
import { STATUS_LABELS, TIERS, STATUSES } from '../options';
import { Stat } from '../ui';

/** The platform at a glance (GET /admin/statistics): tenants by status and by tier; backups. */
export function StatisticsPage() {
  const { api } = useConsole();
  const statistics = useResource(() => call(api.GET('/admin/statistics')), []);
  const tenants = statistics.data?.tenants;
  return (
    <>
      <h1>Platform statistics</h1>
      <ProblemBanner problem={statistics.problem} />
      {statistics.loading && <Loading />}
      {tenants && (
        <>
          <section class="card" aria-labelledby="by-status">
            <h2 id="by-status">Tenants by status</h2>
            <div class="stats">
              <Stat label="All tenants" value={formatCount(tenants.total)} />
              {STATUSES.map((status) => (
                <Stat
                  key={status}
                  label={STATUS_LABELS[status]}
                  value={formatCount(tenants.by_status?.[status])}
                />
              ))}
            </div>
          </section>
          <section class="card" aria-labelledby="by-tier">
            <h2 id="by-tier">Tenants by tier</h2>
            <div class="stats">
              {TIERS.map((tier) => (
                <Stat key={tier} label={tier} value={formatCount(tenants.by_tier?.[tier])} />
              ))}
            </div>
          </section>
        </>
      )}
      <BackupsCard />
    </>
  );
}
