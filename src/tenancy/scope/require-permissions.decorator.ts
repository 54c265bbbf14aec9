import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiSecurity,
  ApiForbiddenResponse,
  ApiHeader,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  RATE_LIMIT_HEADER_REFS,
  RETRY_AFTER_HEADER,
} from '../../billing/rate-limits/rate-limit-openapi';
import { setAccessPolicy } from './access-policy';
import type { Permission } from '../../auth/permissions';

/**
 * Marks a route as tenant-scoped: the caller is authenticated, must hold every named
 * permission, its tenant is resolved and checked (TenantAuthGuard), and the handler runs inside
 * that tenant's RLS transaction (TenantTransactionInterceptor), after the tenant's rate limit
 * (429). All are global and act on this declaration; see this folder's README.
 */
export const RequirePermissions = (...permissions: Permission[]) =>
  applyDecorators(
    setAccessPolicy({ kind: 'tenant', permissions }),
    ApiBearerAuth('tenant-token'),
    ApiSecurity('api-key'),
    ApiHeader({
      name: 'X-Tenant-ID',
      required: false,
      schema: { type: 'string', format: 'uuid' },
      description:
        'Tenant to act on: a platform admin token acts on the tenant it names (required unless ' +
        'the Host is a tenant subdomain or verified custom domain); a tenant credential may name ' +
        'only its own tenant (403 otherwise). On a custom domain, only that tenant (403 ' +
        'otherwise). Not a UUID: 400.',
    }),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired credential; unknown tenant',
    }),
    ApiForbiddenResponse({
      description: `Missing permission (${permissions.join(', ') || 'none'}), tenant suspended or deleted, credential of another tenant, or of another tenant than the custom domain (Host) serves`,
    }),
    ApiTooManyRequestsResponse({
      description:
        'The tenant’s plan rate limit (API requests per minute, all its credentials together) ' +
        'is spent: nothing was done; retry after Retry-After seconds',
      headers: { ...RATE_LIMIT_HEADER_REFS, 'Retry-After': RETRY_AFTER_HEADER },
      schema: { $ref: '#/components/schemas/RateLimitedResponse' },
    }),
  );
