import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ActorType } from '../../audit/audit-entry.entity';
import type { Caller } from './caller';

/**
 * Actor: who did it and from where, as the audit log records it (kind, id, IP, user agent).
 * Derived from the Caller, or anonymous on public routes. (Caller decides access; Actor is the
 * record of it.)
 */
export interface Actor {
  type: ActorType;
  id: string | null;
  ip: string | null;
  userAgent: string | null;
}

export function actorOf(request: Request, caller: Caller | undefined): Actor {
  const userAgent = request.headers['user-agent'];
  const base = {
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  };
  if (!caller) return { type: 'anonymous', id: null, ...base };
  if (caller.kind === 'platform_admin')
    return { type: 'platform_admin', id: caller.subject, ...base };
  if (caller.kind === 'api_key') return { type: 'api_key', id: caller.keyId, ...base };
  return { type: 'user', id: caller.subject, ...base };
}

/** `@Actor()`: the request's actor for the audit log (anonymous before authentication). */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
  return actorOf(request, request.caller);
});
