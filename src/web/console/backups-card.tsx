import { call } from '../shared/api';
import { Loading } from '../shared/ui/loading';
import { ProblemBanner } from '../shared/ui/problem-banner';
import { useResource } from '../shared/use-resource';
import { useConsole } from './console';
import { formatBytes, formatCount, formatDateTime } from './format';
import { Stat } from './ui';

/** "3 h" or "2 d 4 h": how old the last backup is, at the grain an operator reads. */
function formatAge(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  if (hours < 1) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The platform's backups at a glance (GET /admin/backups): the BackupTooOld alert's figures. */
export function BackupsCard() {
  const { api } = useConsole();
  const backups = useResource(
    () => call(api.GET('/admin/backups', { params: { query: { limit: 1 } } })),
    [],
  );
  const status = backups.data;
  const last = status?.last_success;
  return (
    <section class="card" aria-labelledby="backups">
      <h2 id="backups">Backups</h2>
      <ProblemBanner problem={backups.problem} />
      {backups.loading && <Loading />}
      {status && !status.configured && <p>Backups are not configured (BACKUP_DIR is not set).</p>}
      {status?.configured && (
        <>
          {status.stale && (
            <p role="status">
              <span class="badge badge-suspended">Stale</span>{' '}
              {last
                ? 'The last successful backup is older than allowed.'
                : 'No backup has completed yet.'}
            </p>
          )}
          <div class="stats">
            <Stat
              label="Last success"
              value={last ? `${formatAge(last.age_seconds)} ago` : '—'}
              hint={last ? formatDateTime(last.finished_at) : undefined}
            />
            <Stat label="Size" value={formatBytes(last?.size_bytes)} />
            <Stat
              label="Last failure"
              value={status.last_failure ? formatDateTime(status.last_failure.at) : 'none since'}
              hint={
                status.last_failure
                  ? `${status.last_failure.phase}: ${status.last_failure.message}`
                  : undefined
              }
            />
            <Stat
              label="WAL archive failures"
              value={formatCount(status.wal_archive?.failed_count)}
              hint={status.wal_archive?.last_archived_wal ?? undefined}
            />
          </div>
        </>
      )}
    </section>
  );
}
