import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { CopyButton } from '../../shared/ui/copy-button';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field, SelectField } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { embedSnippet } from '../dashboards/embed-snippet';
import {
  MAX_WIDGETS,
  newWidget,
  WidgetEditor,
  type WidgetDraft,
} from '../dashboards/widget-editor';
import { useWorkspace } from '../workspace';

/**
 * The dashboard editor: rename, add / order / remove widgets (PATCH sends the whole list in
 * order; kept widgets keep their ids), make it the default, preview it as embedded (an iframe of
 * /embed with a guest token from POST /v1/guest-token) and copy the snippet for the tenant's
 * backend. Another tenant's id answers the API's 404, shown as it is.
 */
export function DashboardPage({ id }: { id: string }) {
  const { api, can } = useWorkspace();
  const { route } = useLocation();
  const dashboard = useResource(
    () => call(api.GET('/v1/dashboards/{id}', { params: { path: { id } } })),
    [id],
  );
  const [name, setName] = useState('');
  const [widgets, setWidgets] = useState<WidgetDraft[]>([]);
  const [saved, setSaved] = useState(false);
  const [addKind, setAddKind] = useState<WidgetDraft['kind']>('timeseries');
  const [deleting, setDeleting] = useState(false);
  useEffect(() => {
    if (!dashboard.data) return;
    setName(dashboard.data.name);
    setWidgets(dashboard.data.widgets.map(toDraft));
  }, [dashboard.data]);
  const writable = can('dashboards:write');

  const save = useAction(async (body: Schemas['UpdateDashboardDto']) => {
    await call(api.PATCH('/v1/dashboards/{id}', { params: { path: { id } }, body }));
    setSaved(true);
    dashboard.reload();
  });
  const remove = useAction(async () => {
    await call(api.DELETE('/v1/dashboards/{id}', { params: { path: { id } } }));
    route('/app/dashboards');
  });

  if (dashboard.problem) {
    return (
      <>
        <p>
          <a href="/app/dashboards">Back to dashboards</a>
        </p>
        <h1>Dashboard</h1>
        <ProblemBanner problem={dashboard.problem} />
      </>
    );
  }
  if (!dashboard.data) return <Loading />;
  const current = dashboard.data;
  const move = (index: number, by: -1 | 1) => {
    const next = [...widgets];
    [next[index], next[index + by]] = [next[index + by], next[index]];
    setWidgets(next);
  };

  return (
    <>
      <p>
        <a href="/app/dashboards">Back to dashboards</a>
      </p>
      <h1>
        {current.name} {current.is_default && <span class="badge">default</span>}
      </h1>
      <ProblemBanner problem={save.problem ?? remove.problem} />
      {saved && !save.problem && (
        <p class="notice" role="status">
          Saved.
        </p>
      )}
      <form
        class="card"
        aria-label="Dashboard"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          void save.run({ name, widgets });
        }}
      >
        <Field
          label="Name"
          name="name"
          required
          maxLength={100}
          readOnly={!writable}
          value={name}
          problem={save.problem}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <h2>Widgets</h2>
        {widgets.length === 0 && <EmptyState>No widgets yet: add one below</EmptyState>}
        {widgets.map((widget, index) => (
          <WidgetEditor
            key={widget.id ?? `new-${index}`}
            widget={widget}
            index={index}
            count={widgets.length}
            problem={save.problem}
            readOnly={!writable}
            onChange={(changed) => setWidgets(widgets.map((w, i) => (i === index ? changed : w)))}
            onMove={(by) => move(index, by)}
            onRemove={() => setWidgets(widgets.filter((_, i) => i !== index))}
          />
        ))}
        {writable && (
          <>
            <div class="inline-form">
              <SelectField
                label="New widget"
                name="add-kind"
                options={[
                  { value: 'kpi', label: 'Figure (KPI)' },
                  { value: 'timeseries', label: 'Over time' },
                  { value: 'breakdown', label: 'Breakdown' },
                ]}
                value={addKind}
                onChange={(value) => setAddKind(value as WidgetDraft['kind'])}
              />
              <button
                type="button"
                disabled={widgets.length >= MAX_WIDGETS}
                onClick={() => setWidgets([...widgets, newWidget(addKind)])}
              >
                Add widget
              </button>
              {widgets.length >= MAX_WIDGETS && (
                <span class="hint">At most {MAX_WIDGETS} widgets</span>
              )}
            </div>
            <div class="actions">
              {!current.is_default && (
                <button type="button" onClick={() => void save.run({ is_default: true })}>
                  Make default
                </button>
              )}
              <button type="button" class="danger" onClick={() => setDeleting(true)}>
                Delete dashboard
              </button>
              <button type="submit" class="primary" disabled={save.busy}>
                Save dashboard
              </button>
            </div>
          </>
        )}
      </form>
      {can('analytics:read') && (
        <EmbedPreview dashboardId={current.id} version={current.updated_at} />
      )}
      <ConfirmDialog
        open={deleting}
        title="Delete this dashboard?"
        message="Pages that embed it show an error from now on."
        confirmLabel="Delete dashboard"
        typed={current.name}
        onCancel={() => setDeleting(false)}
        onConfirm={() => {
          setDeleting(false);
          void remove.run();
        }}
      />
    </>
  );
}

function toDraft(widget: Schemas['WidgetResponse']): WidgetDraft {
  return {
    id: widget.id,
    kind: widget.kind,
    title: widget.title,
    metric: widget.metric,
    options: { ...widget.options },
  };
}

/** The saved dashboard as a customer sees it embedded, and the snippet that embeds it. */
function EmbedPreview({ dashboardId, version }: { dashboardId: string; version: string }) {
  const { api, me } = useWorkspace();
  const [url, setUrl] = useState<string | null>(null);
  const preview = useAction(async () => {
    const answer = await call(
      api.POST('/v1/guest-token', {
        body: {
          dashboard_id: dashboardId,
          user: me.user ? { email: me.user.email } : { id: 'workspace-preview' },
        },
      }),
    );
    // The embed URL names the platform's public address; the preview frames this server's.
    const embed = new URL(answer.embed_url, window.location.origin);
    setUrl(`${embed.pathname}${embed.search}`);
  });
  useEffect(() => setUrl(null), [version]);
  const snippet = embedSnippet(window.location.origin, dashboardId);
  return (
    <section class="card" aria-labelledby="embed">
      <h2 id="embed">Embed</h2>
      <p>
        Your backend asks for a guest token with an API key that has the scopes{' '}
        <code>dashboards:read</code> and <code>analytics:read</code>, then frames the URL it gets.
        Add your site's origin under Branding → embed origins.
      </p>
      <pre class="snippet" aria-label="Embed snippet">
        {snippet}
      </pre>
      <div class="inline-form">
        <CopyButton value={snippet} label="Copy snippet" />
        <button
          type="button"
          class="primary"
          disabled={preview.busy}
          onClick={() => void preview.run()}
        >
          {url ? 'Refresh preview' : 'Preview embed'}
        </button>
      </div>
      <ProblemBanner problem={preview.problem} />
      {url && (
        <iframe class="preview-frame" title="Embed preview" src={url} data-testid="embed-preview" />
      )}
    </section>
  );
}
