import { Controller, Get } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ACCESS_POLICY } from '../../src/tenancy/scope/access-policy';
import { ROLE_PERMISSIONS } from '../../src/auth/permissions';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

/** A route somebody forgot to declare: it must be refused, not open. */
@Controller('v1/forgotten')
class UndeclaredController {
  @Get()
  leak(): { secret: string } {
    return { secret: 'should never be served' };
  }
}

describe('roles, permissions and route declarations', () => {
  let t: TestApp;
  let tenantId: string;
  beforeAll(async () => {
    t = await createTestApp({ controllers: [UndeclaredController] });
    tenantId = (await createTenant(t.http)).id;
  });
  afterAll(() => t.close());

  it('gives every route of the app an access policy (public, platform or tenant permissions)', () => {
    const undeclared: string[] = [];
    let routes = 0;
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as {
          prototype: Record<string, unknown>;
          name: string;
        } | null;
        if (!controller || (controller as unknown) === UndeclaredController) continue;
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = controller.prototype[name];
          if (
            typeof handler !== 'function' ||
            Reflect.getMetadata(METHOD_METADATA, handler) === undefined
          )
            continue;
          routes += 1;
          const policy =
            Reflect.getMetadata(ACCESS_POLICY, handler) ??
            Reflect.getMetadata(ACCESS_POLICY, controller);
          if (!policy) undeclared.push(`${controller.name}.${name}`);
        }
      }
    }
    expect(routes).toBeGreaterThanOrEqual(10);
    expect(undeclared).toEqual([]);
  });

  it('refuses a route that declares no policy, even to a platform admin', async () => {
    const response = await t.http.get('/v1/forgotten').set(adminAuth).expect(403);
    expect(response.body.message).toBe('This route declares no access policy');
    expect(JSON.stringify(response.body)).not.toContain('should never be served');
  });

  it.each(Object.entries(ROLE_PERMISSIONS))(
    '%s: settings read/write as the permission table says',
    async (role, permissions) => {
      const token = tenantToken(tenantId, { claims: { role } });
      await t.http
        .get('/v1/settings')
        .set(bearer(token))
        .expect(permissions.includes('settings:read') ? 200 : 403);
      const write = await t.http.patch('/v1/settings').set(bearer(token)).send({ locale: 'en-GB' });
      if (permissions.includes('settings:write')) {
        expect(write.status).toBe(200);
      } else {
        expect(write.status).toBe(403);
        expect(write.body.message).toBe('Missing permission: settings:write');
      }
    },
  );

  it('gives an unknown or missing role no permissions', async () => {
    await t.http
      .get('/v1/settings')
      .set(bearer(tenantToken(tenantId, { claims: { role: 'superuser' } })))
      .expect(403);
    await t.http
      .get('/v1/settings')
      .set(bearer(tenantToken(tenantId, { claims: { role: undefined } })))
      .expect(403);
  });
});
