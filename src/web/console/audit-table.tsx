import type { Schemas } from '../../api-client';
import { formatDateTime } from './format';
import { TableWrap } from './ui';

type Entry = Schemas['AuditEntryResponse'] & { tenant_id?: string | null };

/** Audit entries as a table; the platform log adds each entry's tenant. */
export function AuditTable({ entries, showTenant }: { entries: Entry[]; showTenant?: boolean }) {
  return (
    <TableWrap label="Audit entries">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Resource</th>
            {showTenant && <th scope="col">Tenant</th>}
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>{formatDateTime(entry.at)}</td>
              <td>
                {entry.action}
                {entry.cross_tenant_attempt && (
                  <>
                    {' '}
                    <span class="badge badge-pending_deletion">cross-tenant</span>
                  </>
                )}
              </td>
              <td>
                {entry.actor_type}
                {entry.actor_id ? ` ${entry.actor_id.slice(0, 8)}` : ''}
              </td>
              <td>
                {entry.resource_type}
                {entry.resource_id ? ` ${entry.resource_id.slice(0, 8)}` : ''}
              </td>
              {showTenant && (
                <td>
                  {entry.tenant_id ? (
                    <a href={`/console/tenants/${entry.tenant_id}`}>{entry.tenant_id.slice(0, 8)}</a>
                  ) : (
                    'platform'
                  )}
                </td>
              )}
              <td class="details">{JSON.stringify(entry.details)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
