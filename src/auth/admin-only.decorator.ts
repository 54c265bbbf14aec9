import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { setAccessPolicy } from './access-policy';
import { PlatformAdminGuard } from './platform-admin.guard';

/** Marks a controller or route as platform-admin only. */
export const AdminOnly = () =>
  applyDecorators(
    setAccessPolicy({ kind: 'platform' }),
    UseGuards(PlatformAdminGuard),
    ApiBearerAuth('platform-admin'),
    ApiUnauthorizedResponse({ description: 'Missing or invalid platform admin token' }),
    ApiForbiddenResponse({ description: 'A tenant credential was used on a platform route' }),
  );
