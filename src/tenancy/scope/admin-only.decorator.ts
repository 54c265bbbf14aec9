import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { setAccessPolicy } from './access-policy';

/** Marks a controller or route as platform-admin only (checked by PlatformAdminGuard). */
export const AdminOnly = () =>
  applyDecorators(
    setAccessPolicy({ kind: 'platform' }),
    ApiBearerAuth('platform-admin'),
    ApiUnauthorizedResponse({ description: 'Missing or invalid platform admin token' }),
    ApiForbiddenResponse({ description: 'A tenant credential was used on a platform route' }),
  );
