import { useEffect, useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatBytes, formatDateTime, localInputToIso } from '../format';
import { Card, TableWrap } from '../ui';
import { asTenant } from './tenant-header';

/** How often the list is read again while an export runs. */
const POLL_MS = 2000;

/**
 * Exports the tenant's data (POST /v1/exports, acting as the tenant), shows each export's
 * progress, and downloads a finished archive with the operator's credentials (a plain link
 * could not carry the bearer token).
 */
export function ExportCard({ tenantId }: { tenantId: string }) {
  const { api } = useConsole();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const exports = useResource(
    () =>
      call(api.GET('/v1/exports', { params: { ...asTenant(tenantId), query: { page: 1, limit: 10 } } })),
    [tenantId],
  );
  const running = exports.data?.data.some(
    (item) => item.status === 'queued' || item.status === 'running',
  );
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => exports.reload(), POLL_MS);
    return () => clearTimeout(timer);
  }, [running, exports.data]);

  const start = useAction(() =>
    call(
      api.POST('/v1/exports', {
        params: asTenant(tenantId),
        body: { from: localInputToIso(from) ?? '', ...(to ? { to: localInputToIso(to) } : {}) },
      }),
    ),
  );
  const download = useAction(async (id: string) => {
    const blob = await call(
      api.GET('/v1/exports/{id}/download', {
        params: { ...asTenant(tenantId), path: { id } },
        parseAs: 'blob',
      }),
    );
    const url = URL.createObjectURL(blob);
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = `tenant-${tenantId}-export-${id}.tar.gz`;
    anchor.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });

  return (
    <Card id="export" title="Export">
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void start.run().then((answer) => answer && exports.reload());
        }}
      >
        <Field
          label="From"
          name="from"
          type="datetime-local"
          required
          value={from}
          problem={start.problem}
          onInput={(event) => setFrom(event.currentTarget.value)}
        />
        <Field
          label="To (default now)"
          name="to"
          type="datetime-local"
          value={to}
          problem={start.problem}
          onInput={(event) => setTo(event.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={start.busy}>
          Start export
        </button>
      </form>
      <ProblemBanner problem={start.problem} />
      <ProblemBanner problem={download.problem} />
      <ProblemBanner problem={exports.problem} />
      {exports.loading && !exports.data && <Loading />}
      {exports.data && exports.data.data.length === 0 && <EmptyState>No exports yet.</EmptyState>}
      {exports.data && exports.data.data.length > 0 && (
        <TableWrap label="Exports">
          <table>
            <thead>
              <tr>
                <th scope="col">Requested</th>
                <th scope="col">Range</th>
                <th scope="col">Status</th>
                <th scope="col">Archive</th>
              </tr>
            </thead>
            <tbody>
              {exports.data.data.map((item) => (
                <tr key={item.id}>
                  <td>{formatDateTime(item.created_at)}</td>
                  <td>
                    {formatDateTime(item.time_range.from)} – {formatDateTime(item.time_range.to)}
                  </td>
                  <td>
                    {item.status}
                    {(item.status === 'queued' || item.status === 'running') && (
                      <>
                        {' '}
                        <progress
                          max={100}
                          value={item.progress.percent}
                          aria-label={`Export ${Math.round(item.progress.percent)}% done`}
                        />
                      </>
                    )}
                    {item.error && <div class="field-error">{item.error}</div>}
                  </td>
                  <td>
                    {item.file ? (
                      <button
                        type="button"
                        disabled={download.busy}
                        onClick={() => void download.run(item.id)}
                      >
                        Download ({formatBytes(item.file.bytes)})
                      </button>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Card>
  );
}
