import { useWorkspace } from '../workspace';

/** The workspace's first page: which tenant and role the reader is signed in as. */
export function OverviewPage() {
  const { me } = useWorkspace();
  return (
    <>
      <h1>{me.tenant.name}</h1>
      <section class="card">
        <p>
          Signed in as <strong>{me.user?.email ?? 'unknown'}</strong> with the role{' '}
          <strong>{me.role ?? 'none'}</strong> on the <strong>{me.tenant.tier}</strong> plan.
        </p>
      </section>
    </>
  );
}
