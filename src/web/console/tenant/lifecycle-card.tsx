import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatDateTime } from '../format';
import { Card } from '../ui';

type Tenant = Schemas['TenantDetailResponse'];

interface Step {
  key: 'suspend' | 'reactivate' | 'delete' | 'restore' | 'purge';
  label: string;
  title: string;
  message: string;
  /** The slug must be typed first: the steps that cut off or destroy a tenant. */
  typed: boolean;
  danger: boolean;
}

function stepsFor(tenant: Tenant): Step[] {
  const forced = tenant.purge_after !== null && new Date(tenant.purge_after) > new Date();
  switch (tenant.status) {
    case 'active':
      return [
        {
          key: 'suspend',
          label: 'Suspend',
          title: `Suspend ${tenant.name}?`,
          message:
            'Every credential of the tenant is refused until it is restored: users, API keys and embeds stop working. Its data is kept.',
          typed: true,
          danger: true,
        },
        deleteStep(tenant),
      ];
    case 'suspended':
      return [
        {
          key: 'reactivate',
          label: 'Restore',
          title: `Restore ${tenant.name}?`,
          message: 'The tenant becomes active again: its users, API keys and embeds work at once.',
          typed: false,
          danger: false,
        },
        deleteStep(tenant),
      ];
    case 'pending_deletion':
      return [
        {
          key: 'restore',
          label: 'Restore',
          title: `Restore ${tenant.name}?`,
          message:
            'The deletion is cancelled: the tenant returns to the status it had, with its data, users and API keys.',
          typed: false,
          danger: false,
        },
        {
          key: 'purge',
          label: 'Purge now',
          title: `Purge ${tenant.name}?`,
          message: `Every row, event, file and key of the tenant is destroyed for good; only a tombstone with the purge report stays.${
            forced
              ? ` Its grace period runs until ${formatDateTime(tenant.purge_after)}: purging now ends it early.`
              : ''
          }`,
          typed: true,
          danger: true,
        },
      ];
    default:
      return [];
  }
}

function deleteStep(tenant: Tenant): Step {
  return {
    key: 'delete',
    label: 'Delete',
    title: `Delete ${tenant.name}?`,
    message:
      'The tenant is refused at once and its sessions end; its data is purged after the grace period unless it is restored before.',
    typed: true,
    danger: true,
  };
}

/**
 * Suspend, restore, delete and purge, each behind a confirmation (the destructive ones ask for
 * the slug typed out). The API audits every one.
 */
export function LifecycleCard({ tenant, onChanged }: { tenant: Tenant; onChanged: () => void }) {
  const { api } = useConsole();
  const [pending, setPending] = useState<Step | null>(null);
  const path = { params: { path: { id: tenant.id } } };
  const act = useAction(async (step: Step) => {
    switch (step.key) {
      case 'suspend':
        return call(api.PATCH('/admin/tenants/{id}', { ...path, body: { status: 'suspended' } }));
      case 'reactivate':
        return call(api.PATCH('/admin/tenants/{id}', { ...path, body: { status: 'active' } }));
      case 'delete':
        return call(api.DELETE('/admin/tenants/{id}', path));
      case 'restore':
        return call(api.POST('/admin/tenants/{id}/restore', path));
      case 'purge':
        return call(
          api.POST('/admin/tenants/{id}/purge', {
            ...path,
            body: {
              confirm_slug: tenant.slug,
              force: tenant.purge_after !== null && new Date(tenant.purge_after) > new Date(),
            },
          }),
        );
    }
  });
  const steps = stepsFor(tenant);

  return (
    <Card id="lifecycle" title="Suspend, restore, delete">
      <ProblemBanner problem={act.problem} />
      {steps.length === 0 ? (
        <p>This tenant is {tenant.status.replace('_', ' ')}: nothing more can be done to it.</p>
      ) : (
        <div class="actions">
          {steps.map((step) => (
            <button
              key={step.key}
              type="button"
              class={step.danger ? 'danger' : 'primary'}
              disabled={act.busy}
              onClick={() => setPending(step)}
            >
              {step.label}
            </button>
          ))}
        </div>
      )}
      <ConfirmDialog
        open={pending !== null}
        title={pending?.title ?? ''}
        message={pending?.message ?? ''}
        confirmLabel={pending?.label ?? ''}
        typed={pending?.typed ? tenant.slug : undefined}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          const step = pending;
          setPending(null);
          if (step) void act.run(step).then((answer) => answer && onChanged());
        }}
      />
    </Card>
  );
}
