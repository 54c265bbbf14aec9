import { useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { Field } from '../../shared/ui/field';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction } from '../../shared/use-resource';
import { useWorkspace } from '../workspace';

/**
 * POST /v1/tenant/deletion: the owner re-enters their password and types the workspace's slug.
 * The tenant is then pending deletion (the platform may restore it until purge_after) and every
 * credential is refused, so the workspace signs out at once.
 */
export function DeletionRequest() {
  const { api, me, session } = useWorkspace();
  const [password, setPassword] = useState('');
  const [confirming, setConfirming] = useState(false);
  const request = useAction(async () => {
    await call(api.POST('/v1/tenant/deletion', { body: { password } }));
    await session.logout();
  });
  return (
    <section class="card" aria-labelledby="delete-workspace">
      <h2 id="delete-workspace">Delete this workspace</h2>
      <p>
        Every user, key and embedded dashboard stops working at once. The platform keeps the data
        for a grace period, during which its operators can restore it; then it is purged.
      </p>
      <ProblemBanner problem={request.problem} />
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setConfirming(true);
        }}
      >
        <Field
          label="Your password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          problem={request.problem}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <button type="submit" class="danger" disabled={request.busy || !password}>
          Request deletion
        </button>
      </form>
      <ConfirmDialog
        open={confirming}
        title="Delete the workspace?"
        message={`${me.tenant.name} and everything in it will be deleted.`}
        confirmLabel="Delete workspace"
        typed={me.tenant.slug}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void request.run();
        }}
      />
    </section>
  );
}
