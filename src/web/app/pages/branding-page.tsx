import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { applyBranding, readableOn } from '../branding';
import { useWorkspace } from '../workspace';

type Draft = Schemas['UpdateBrandingDto'];
const COLOURS = [
  { name: 'primary_color', label: 'Primary colour' },
  { name: 'accent_color', label: 'Accent colour' },
  { name: 'background_color', label: 'Background colour' },
  { name: 'text_color', label: 'Text colour' },
] as const;

/**
 * GET/PUT /v1/branding: colours, logo and embed origins, with a live preview of the header and
 * a chart card in the draft colours (set on the preview element through the CSSOM). Colours
 * other than the defaults, or a logo, need a plan with white label: the API's refusal names the
 * field.
 */
export function BrandingPage() {
  const { api, can, refreshBranding } = useWorkspace();
  const branding = useResource(() => call(api.GET('/v1/branding')), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [origins, setOrigins] = useState('');
  const [saved, setSaved] = useState(false);
  const preview = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const data = branding.data;
    if (!data) return;
    setDraft({
      primary_color: data.primary_color,
      accent_color: data.accent_color,
      background_color: data.background_color,
      text_color: data.text_color,
      logo_url: data.logo_url,
      embed_origins: data.embed_origins,
    });
    setOrigins(data.embed_origins.join('\n'));
  }, [branding.data]);
  useEffect(() => {
    if (!draft || !preview.current) return;
    applyBranding(preview.current, draft);
    preview.current.style.setProperty('background', draft.background_color);
    preview.current.style.setProperty('color', draft.text_color);
  }, [draft]);
  const save = useAction(async () => {
    if (!draft) return;
    await call(
      api.PUT('/v1/branding', {
        body: {
          ...draft,
          logo_url: draft.logo_url || null,
          embed_origins: origins
            .split(/\s+/)
            .map((origin) => origin.trim())
            .filter(Boolean),
        },
      }),
    );
    setSaved(true);
    branding.reload();
    refreshBranding();
  });
  const writable = can('settings:write');

  if (branding.problem) return <ProblemBanner problem={branding.problem} />;
  if (!draft) return <Loading />;
  return (
    <>
      <h1>Branding</h1>
      <div class="grid-2">
        <form
          class="card"
          aria-label="Theme"
          onSubmit={(event) => {
            event.preventDefault();
            setSaved(false);
            void save.run();
          }}
        >
          <ProblemBanner problem={save.problem} />
          {saved && !save.problem && (
            <p class="notice" role="status">
              Saved: the workspace and your embedded dashboards use it now.
            </p>
          )}
          {COLOURS.map((colour) => (
            <Field
              key={colour.name}
              label={colour.label}
              name={colour.name}
              type="color"
              hint={draft[colour.name]}
              disabled={!writable}
              value={draft[colour.name]}
              problem={save.problem}
              onInput={(event) => setDraft({ ...draft, [colour.name]: event.currentTarget.value })}
            />
          ))}
          <Field
            label="Logo URL"
            name="logo_url"
            type="url"
            hint="https only; empty for none"
            disabled={!writable}
            value={draft.logo_url ?? ''}
            problem={save.problem}
            onInput={(event) => setDraft({ ...draft, logo_url: event.currentTarget.value || null })}
          />
          <div class="field">
            <label for="field-embed_origins">Embed origins</label>
            <textarea
              id="field-embed_origins"
              rows={3}
              disabled={!writable}
              aria-describedby="embed-origins-hint"
              aria-invalid={save.problem?.fields.embed_origins ? 'true' : undefined}
              value={origins}
              onInput={(event) => setOrigins(event.currentTarget.value)}
            />
            <small id="embed-origins-hint" class="hint">
              Sites allowed to frame your dashboards, one per line (https://app.example.com); at
              most 20
            </small>
            {Object.entries(save.problem?.fields ?? {})
              .filter(([field]) => field.startsWith('embed_origins'))
              .map(([field, message]) => (
                <small key={field} class="field-error">
                  {message}
                </small>
              ))}
          </div>
          {writable && (
            <div class="actions">
              <button type="submit" class="primary" disabled={save.busy}>
                Save branding
              </button>
            </div>
          )}
        </form>
        <section class="card" aria-labelledby="preview-title">
          <h2 id="preview-title">Preview</h2>
          <div class="brand-preview" ref={preview} data-testid="branding-preview">
            <div
              class="bar"
              style={{ background: draft.primary_color, color: readableOn(draft.primary_color) }}
            >
              {draft.logo_url ? (
                <img src={draft.logo_url} alt="Logo" height={24} />
              ) : (
                'Your dashboard'
              )}
            </div>
            <p>Events this week</p>
            <p class="kpi-value">1,234</p>
            <div class="bars" aria-hidden="true">
              {[40, 65, 50, 85, 70, 95, 60].map((height, index) => (
                <span
                  key={index}
                  style={{
                    height: `${height}%`,
                    background: index === 5 ? draft.accent_color : draft.primary_color,
                  }}
                />
              ))}
            </div>
            <p>
              <span
                class="badge"
                style={{ borderColor: draft.accent_color, color: draft.text_color }}
              >
                +12% on last week
              </span>
            </p>
          </div>
        </section>
      </div>
    </>
  );
}
