import { applyDecorators, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiSecurity,
  ApiForbiddenResponse,
  ApiHeader,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { TenantTransactionInterceptor } from './tenant-transaction.interceptor';
import { setAccessPolicy } from './access-policy';
import type { Permission } from './permissions';
import { TenantAuthGuard } from './tenant-auth.guard';

/**
 * Marks a route as tenant-scoped: the caller is authenticated, must hold every named
 * permission, its tenant is resolved and checked, and the handler runs inside that tenant's
 * RLS transaction.
 */
export const RequirePermissions = (...permissions: Permission[]) =>
  applyDecorators(
    setAccessPolicy({ kind: 'tenant', permissions }),
    UseGuards(TenantAuthGuard),
    UseInterceptors(TenantTransactionInterceptor),
    ApiBearerAuth('tenant-token'),
    ApiSecurity('api-key'),
    ApiHeader({
      name: 'X-Tenant-ID',
      required: false,
      description: 'Tenant to act on; honoured only for platform admin credentials',
    }),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired credential; unknown tenant',
    }),
    ApiForbiddenResponse({
      description: `Missing permission (${permissions.join(', ') || 'none'}), tenant suspended or deleted, or credential of another tenant`,
    }),
  );
