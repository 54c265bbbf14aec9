import { call } from '../../shared/api';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useWorkspace } from '../workspace';

/** One user (GET /v1/users/{id}); another tenant's id shows the API's own 404 message. */
export function UserPage({ id }: { id: string }) {
  const { api } = useWorkspace();
  const user = useResource(
    () => call(api.GET('/v1/users/{id}', { params: { path: { id } } })),
    [id],
  );
  return (
    <>
      <p>
        <a href="/app/users">Back to users</a>
      </p>
      <h1>{user.data?.email ?? 'User'}</h1>
      <ProblemBanner problem={user.problem} />
      {!user.data && !user.problem && <Loading />}
      {user.data && (
        <section class="card">
          <dl class="facts">
            <dt>Role</dt>
            <dd>{user.data.role}</dd>
            <dt>Status</dt>
            <dd>{user.data.status}</dd>
            <dt>Added</dt>
            <dd>{new Date(user.data.created_at).toLocaleString()}</dd>
            <dt>Last sign-in</dt>
            <dd>
              {user.data.last_login_at
                ? new Date(user.data.last_login_at).toLocaleString()
                : 'never'}
            </dd>
          </dl>
        </section>
      )}
    </>
  );
}
