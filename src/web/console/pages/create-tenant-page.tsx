import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { CopyButton } from '../../shared/ui/copy-button';
import { Field, SelectField } from '../../shared/ui/field';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatDateTime } from '../format';
import { optionsOf, TIERS, type Tier } from '../options';

type Created = Schemas['TenantCreatedResponse'];

/**
 * The owner's one-time link: the workspace's set-password page reads the token from the
 * fragment, which browsers never send to a server or put in a Referer.
 */
export function passwordSetLink(token: string): string {
  return `${window.location.origin}/app/set-password#token=${encodeURIComponent(token)}`;
}

/**
 * Creates a tenant and its owner (POST /admin/tenants). The owner's password-set link is shown
 * once: the API keeps only its hash, so leaving this page loses it (a new one means a new
 * password-set request).
 */
export function CreateTenantPage() {
  const { api } = useConsole();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [ownerEmail, setOwnerEmail] = useState('');
  const [tier, setTier] = useState<Tier>('starter');
  const [created, setCreated] = useState<Created>();
  const create = useAction(() =>
    call(
      api.POST('/admin/tenants', {
        body: { name: name.trim(), slug: slug.trim(), owner_email: ownerEmail.trim(), tier },
      }),
    ),
  );

  if (created) {
    const link = passwordSetLink(created.password_set_token);
    return (
      <>
        <h1>Tenant created</h1>
        <div class="notice" role="status">
          <p>
            <strong>{created.name}</strong> ({created.slug}) is ready. Send its owner,{' '}
            {created.owner.email}, this link to set a password:
          </p>
          <p class="secret" id="password-set-link">
            {link}
          </p>
          <p>
            <CopyButton value={link} label="Copy link" />
          </p>
          <p>
            <strong>This link will not be shown again.</strong> It works once, until{' '}
            {formatDateTime(created.password_set_expires_at)}.
          </p>
        </div>
        <div class="actions">
          <a class="button link-button" href="/console">
            Back to tenants
          </a>
          <a class="button primary link-button" href={`/console/tenants/${created.id}`}>
            Open {created.name}
          </a>
        </div>
      </>
    );
  }

  return (
    <>
      <h1>Create tenant</h1>
      <ProblemBanner problem={create.problem} />
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run().then((answer) => answer && setCreated(answer));
        }}
      >
        <Field
          label="Name"
          name="name"
          required
          maxLength={200}
          value={name}
          problem={create.problem}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <Field
          label="Slug"
          name="slug"
          required
          maxLength={63}
          hint="Lower-case letters, digits and hyphens: the tenant's subdomain and login name."
          value={slug}
          problem={create.problem}
          onInput={(event) => setSlug(event.currentTarget.value)}
        />
        <Field
          label="Owner's email"
          name="owner_email"
          type="email"
          required
          value={ownerEmail}
          problem={create.problem}
          onInput={(event) => setOwnerEmail(event.currentTarget.value)}
        />
        <SelectField
          label="Tier"
          name="tier"
          options={optionsOf(TIERS)}
          value={tier}
          problem={create.problem}
          onChange={(value) => setTier(value as Tier)}
        />
        <div class="actions">
          <a class="button link-button" href="/console">
            Cancel
          </a>
          <button type="submit" class="primary" disabled={create.busy}>
            {create.busy ? 'Creating…' : 'Create tenant'}
          </button>
        </div>
      </form>
    </>
  );
}
