import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call, problemOf } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { fromLocalInput } from '../explorer/range';
import { useWorkspace } from '../workspace';
import { TableWrap } from '../ui/table-wrap';

const LIMIT = 10;
/** How often a running export's progress is read again. */
const POLL_MS = 2000;

/**
 * POST/GET /v1/exports: start an export of everything the tenant holds, watch its progress, and
 * download the archive (fetched with the session's token, since a plain link would carry none).
 */
export function ExportsPage() {
  const { api } = useWorkspace();
  const [page, setPage] = useState(1);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const exports = useResource(
    () => call(api.GET('/v1/exports', { params: { query: { page, limit: LIMIT } } })),
    [page],
  );
  const running = exports.data?.data.some(
    (item) => item.status === 'queued' || item.status === 'running',
  );
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => exports.reload(), POLL_MS);
    return () => clearTimeout(timer);
  }, [exports.data]);
  const start = useAction(async () => {
    const fromIso = from ? fromLocalInput(from) : '1970-01-01T00:00:00Z';
    const toIso = to ? fromLocalInput(to) : null;
    await call(
      api.POST('/v1/exports', {
        body: { from: fromIso ?? from, ...(toIso ? { to: toIso } : {}) },
      }),
    );
    exports.reload();
  });
  const download = useAction(async (item: Schemas['ExportResponse']) => {
    const { data, error, response } = await api.GET('/v1/exports/{id}/download', {
      params: { path: { id: item.id } },
      parseAs: 'blob',
    });
    // A refusal's body is the API's JSON problem even though a success is a file.
    if (!response.ok || !data) throw problemOf(response.status, error);
    const url = URL.createObjectURL(data);
    const link = document.createElement('a');
    link.href = url;
    link.download = `export-${item.id}.tar.gz`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  return (
    <>
      <h1>Exports</h1>
      <form
        class="card"
        aria-label="New export"
        onSubmit={(event) => {
          event.preventDefault();
          void start.run();
        }}
      >
        <h2>Export your data</h2>
        <p>
          One .tar.gz archive: settings, branding, users (no passwords), API keys (no secrets),
          dashboards, the audit log, usage, invoices and the events of the range.
        </p>
        <ProblemBanner problem={start.problem} />
        <div class="toolbar">
          <Field
            label="Events from"
            name="from"
            type="datetime-local"
            hint="Empty: from the first event"
            value={from}
            problem={start.problem}
            onInput={(event) => setFrom(event.currentTarget.value)}
          />
          <Field
            label="Events to"
            name="to"
            type="datetime-local"
            hint="Empty: now"
            value={to}
            problem={start.problem}
            onInput={(event) => setTo(event.currentTarget.value)}
          />
          <button type="submit" class="primary" disabled={start.busy}>
            Start export
          </button>
        </div>
      </form>
      <section class="card" aria-labelledby="exports-list">
        <h2 id="exports-list">Exports</h2>
        <ProblemBanner problem={exports.problem ?? download.problem} />
        {!exports.data && !exports.problem && <Loading />}
        {exports.data &&
          (exports.data.data.length === 0 ? (
            <EmptyState>No exports yet</EmptyState>
          ) : (
            <TableWrap label="Exports table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Status</th>
                    <th scope="col">Progress</th>
                    <th scope="col">Archive</th>
                  </tr>
                </thead>
                <tbody>
                  {exports.data.data.map((item) => (
                    <tr key={item.id}>
                      <td>{new Date(item.created_at).toLocaleString()}</td>
                      <td>
                        {item.status}
                        {item.error ? `: ${item.error}` : ''}
                      </td>
                      <td>
                        <progress max={100} value={item.progress.percent} aria-label="Progress">
                          {item.progress.percent}%
                        </progress>{' '}
                        {item.progress.rows_written} rows
                      </td>
                      <td>
                        {item.file ? (
                          <button type="button" onClick={() => void download.run(item)}>
                            Download ({(item.file.bytes / 1024).toFixed(0)} KiB)
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
          ))}
        {exports.data && (
          <Pager page={page} limit={LIMIT} total={exports.data.total} onPage={setPage} />
        )}
      </section>
    </>
  );
}
