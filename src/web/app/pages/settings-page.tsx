import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { Field, SelectField } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { DeletionRequest } from '../ui/deletion-request';
import { useWorkspace } from '../workspace';

type Draft = Schemas['UpdateSettingsDto'];
const DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'].map((value) => ({
  value,
  label: value,
}));

/** GET/PATCH /v1/settings, and (for the owner) the request to delete the workspace. */
export function SettingsPage() {
  const { api, can, me } = useWorkspace();
  const settings = useResource(() => call(api.GET('/v1/settings')), []);
  const [draft, setDraft] = useState<Draft>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const data = settings.data;
    if (data) {
      setDraft({
        timezone: data.timezone,
        locale: data.locale,
        currency: data.currency,
        date_format: data.date_format,
      });
    }
  }, [settings.data]);
  const save = useAction(async () => {
    await call(api.PATCH('/v1/settings', { body: draft }));
    setSaved(true);
    settings.reload();
  });
  const writable = can('settings:write');
  if (settings.problem) return <ProblemBanner problem={settings.problem} />;
  if (!settings.data) return <Loading />;
  return (
    <>
      <h1>Settings</h1>
      <form
        class="card"
        aria-label="Workspace settings"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          void save.run();
        }}
      >
        <ProblemBanner problem={save.problem} />
        {saved && !save.problem && (
          <p class="notice" role="status">
            Settings saved.
          </p>
        )}
        <Field
          label="Time zone"
          name="timezone"
          hint="IANA name, as Europe/Berlin; analytics buckets follow it"
          maxLength={64}
          readOnly={!writable}
          value={draft.timezone ?? ''}
          problem={save.problem}
          onInput={(event) => setDraft({ ...draft, timezone: event.currentTarget.value })}
        />
        <Field
          label="Locale"
          name="locale"
          hint="BCP 47, as de-DE"
          maxLength={35}
          readOnly={!writable}
          value={draft.locale ?? ''}
          problem={save.problem}
          onInput={(event) => setDraft({ ...draft, locale: event.currentTarget.value })}
        />
        <Field
          label="Currency"
          name="currency"
          hint="ISO 4217, as EUR (invoices stay in US dollars)"
          maxLength={3}
          readOnly={!writable}
          value={draft.currency ?? ''}
          problem={save.problem}
          onInput={(event) =>
            setDraft({ ...draft, currency: event.currentTarget.value.toUpperCase() })
          }
        />
        {writable ? (
          <SelectField
            label="Date format"
            name="date_format"
            options={DATE_FORMATS}
            value={draft.date_format ?? 'YYYY-MM-DD'}
            problem={save.problem}
            onChange={(value) => setDraft({ ...draft, date_format: value as Draft['date_format'] })}
          />
        ) : (
          <Field label="Date format" name="date_format" readOnly value={draft.date_format ?? ''} />
        )}
        {writable && (
          <div class="actions">
            <button type="submit" class="primary" disabled={save.busy}>
              Save settings
            </button>
          </div>
        )}
      </form>
      {writable && me.role === 'owner' && <DeletionRequest />}
    </>
  );
}
