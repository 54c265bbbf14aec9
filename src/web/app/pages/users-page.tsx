import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field, SelectField } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { useWorkspace } from '../workspace';
import { TableWrap } from '../ui/table-wrap';

type Role = Schemas['UserResponse']['role'];
const ROLES: readonly { value: Role; label: string }[] = [
  { value: 'owner', label: 'Owner' },
  { value: 'admin', label: 'Admin' },
  { value: 'analyst', label: 'Analyst' },
  { value: 'viewer', label: 'Viewer' },
];
const LIMIT = 20;

/** GET/POST/PATCH/DELETE /v1/users: the team, its roles, and who may sign in. */
export function UsersPage() {
  const { api, can, me } = useWorkspace();
  const [page, setPage] = useState(1);
  const [role, setRole] = useState('');
  const [status, setStatus] = useState('');
  const users = useResource(
    () =>
      call(
        api.GET('/v1/users', {
          params: {
            query: {
              page,
              limit: LIMIT,
              ...(role ? { role: role as Role } : {}),
              ...(status ? { status: status as 'active' | 'disabled' } : {}),
            },
          },
        }),
      ),
    [page, role, status],
  );
  const [removing, setRemoving] = useState<Schemas['UserResponse'] | null>(null);
  const change = useAction(async (id: string, body: Schemas['UpdateUserDto']) => {
    await call(api.PATCH('/v1/users/{id}', { params: { path: { id } }, body }));
    users.reload();
  });
  const remove = useAction(async (id: string) => {
    await call(api.DELETE('/v1/users/{id}', { params: { path: { id } } }));
    users.reload();
  });
  const writable = can('users:write');

  return (
    <>
      <h1>Users</h1>
      {writable && <CreateUser onCreated={() => users.reload()} />}
      <section class="card" aria-labelledby="users-list">
        <h2 id="users-list">Team</h2>
        <div class="toolbar">
          <SelectField
            label="Filter by role"
            name="filter-role"
            options={[{ value: '', label: 'Any role' }, ...ROLES]}
            value={role}
            onChange={(value) => {
              setRole(value);
              setPage(1);
            }}
          />
          <SelectField
            label="Filter by status"
            name="filter-status"
            options={[
              { value: '', label: 'Any status' },
              { value: 'active', label: 'Active' },
              { value: 'disabled', label: 'Disabled' },
            ]}
            value={status}
            onChange={(value) => {
              setStatus(value);
              setPage(1);
            }}
          />
        </div>
        <ProblemBanner problem={users.problem ?? change.problem ?? remove.problem} />
        {!users.data && !users.problem && <Loading />}
        {users.data &&
          (users.data.data.length === 0 ? (
            <EmptyState>No users match these filters</EmptyState>
          ) : (
            <TableWrap label="Users table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last sign-in</th>
                    {writable && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {users.data.data.map((user) => (
                    <tr key={user.id}>
                      <td>
                        <a href={`/app/users/${user.id}`}>{user.email}</a>
                      </td>
                      <td>
                        {writable && user.id !== me.user?.id ? (
                          <select
                            aria-label={`Role of ${user.email}`}
                            value={user.role}
                            onChange={(event) =>
                              void change.run(user.id, { role: event.currentTarget.value as Role })
                            }
                          >
                            {ROLES.map((option) => (
                              <option key={option.value} value={option.value}>
                                {option.label}
                              </option>
                            ))}
                          </select>
                        ) : (
                          user.role
                        )}
                      </td>
                      <td>{user.status}</td>
                      <td>
                        {user.last_login_at
                          ? new Date(user.last_login_at).toLocaleString()
                          : 'never'}
                      </td>
                      {writable && (
                        <td>
                          {user.id !== me.user?.id && (
                            <div class="inline-form">
                              <button
                                type="button"
                                onClick={() =>
                                  void change.run(user.id, {
                                    status: user.status === 'active' ? 'disabled' : 'active',
                                  })
                                }
                              >
                                {user.status === 'active' ? 'Disable' : 'Enable'}
                                <span class="visually-hidden"> {user.email}</span>
                              </button>
                              <button
                                type="button"
                                class="danger"
                                onClick={() => setRemoving(user)}
                              >
                                Remove<span class="visually-hidden"> {user.email}</span>
                              </button>
                            </div>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ))}
        {users.data && (
          <Pager page={page} limit={LIMIT} total={users.data.total} onPage={setPage} />
        )}
      </section>
      <ConfirmDialog
        open={removing !== null}
        title="Remove this user?"
        message={`${removing?.email ?? ''} will no longer be able to sign in, and their sessions end.`}
        confirmLabel="Remove user"
        onCancel={() => setRemoving(null)}
        onConfirm={() => {
          const user = removing;
          setRemoving(null);
          if (user) void remove.run(user.id);
        }}
      />
    </>
  );
}

function CreateUser({ onCreated }: { onCreated: () => void }) {
  const { api } = useWorkspace();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const create = useAction(async () => {
    const user = await call(
      api.POST('/v1/users', { body: { email, role, ...(password ? { password } : {}) } }),
    );
    setCreated(user.email);
    setEmail('');
    setPassword('');
    onCreated();
  });
  return (
    <section class="card" aria-labelledby="add-user">
      <h2 id="add-user">Add a user</h2>
      {created && (
        <p class="notice" role="status">
          {created} was added.
        </p>
      )}
      <ProblemBanner problem={create.problem} />
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setCreated(null);
          void create.run();
        }}
      >
        <Field
          label="Email"
          name="email"
          type="email"
          required
          autocomplete="off"
          value={email}
          problem={create.problem}
          onInput={(event) => setEmail(event.currentTarget.value)}
        />
        <SelectField
          label="Role"
          name="role"
          options={ROLES}
          value={role}
          problem={create.problem}
          onChange={(value) => setRole(value as Role)}
        />
        <Field
          label="Initial password"
          name="password"
          type="password"
          autocomplete="new-password"
          hint="Optional; at least 12 characters"
          value={password}
          problem={create.problem}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={create.busy}>
          Add user
        </button>
      </form>
    </section>
  );
}
