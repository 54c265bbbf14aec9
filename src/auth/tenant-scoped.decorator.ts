import { applyDecorators, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { TenantTransactionInterceptor } from '../database/tenant-transaction.interceptor';
import { TenantAuthGuard } from './tenant-auth.guard';

/**
 * Marks a controller or route as tenant-scoped: the caller is authenticated, its tenant
 * resolved and checked, and the handler runs inside that tenant's RLS transaction.
 */
export const TenantScoped = () =>
  applyDecorators(
    UseGuards(TenantAuthGuard),
    UseInterceptors(TenantTransactionInterceptor),
    ApiBearerAuth('tenant-token'),
    ApiHeader({
      name: 'X-Tenant-ID',
      required: false,
      description: 'Tenant to act on; honoured only for platform admin credentials',
    }),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired credential; unknown tenant',
    }),
    ApiForbiddenResponse({
      description: 'Tenant suspended or deleted, or credential of another tenant',
    }),
  );
