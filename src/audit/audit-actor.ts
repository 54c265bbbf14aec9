import type { Request } from 'express';
import type { Principal } from '../tenancy/tenant-request';
import type { ActorType } from './audit-entry.entity';

/** Who did it and from where, as the audit log records it. */
export interface AuditActor {
  type: ActorType;
  id: string | null;
  ip: string | null;
  userAgent: string | null;
}

export function actorOf(request: Request, principal: Principal | undefined): AuditActor {
  const userAgent = request.headers['user-agent'];
  const base = {
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  };
  if (!principal) return { type: 'anonymous', id: null, ...base };
  if (principal.kind === 'platform_admin')
    return { type: 'platform_admin', id: principal.subject, ...base };
  if (principal.kind === 'api_key') return { type: 'api_key', id: principal.keyId, ...base };
  return { type: 'user', id: principal.subject, ...base };
}
