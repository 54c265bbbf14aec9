import { NoTenantScopeError, TenantContext } from '../../src/tenancy/scope/tenant.context';
import { TenantSettings } from '../../src/tenancy/settings/tenant-settings.entity';
import { createTenant, createTestApp, TestApp } from '../support/test-app';

describe('TenantContext.runInTenant (for Kafka handlers and jobs as for requests)', () => {
  let t: TestApp;
  let context: TenantContext;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    t = await createTestApp();
    context = t.app.get(TenantContext);
    tenantA = (await createTenant(t.http)).id;
    tenantB = (await createTenant(t.http)).id;
  });
  afterAll(() => t.close());

  const timezoneOf = (tenantId: string) =>
    context.runInTenant(
      tenantId,
      async () =>
        (await context.manager.getRepository(TenantSettings).findOneByOrFail({ tenantId }))
          .timezone,
    );

  it('sees only its tenant', async () => {
    const visible = await context.runInTenant(tenantA, () =>
      context.manager.getRepository(TenantSettings).find(),
    );
    expect(visible.map((s) => s.tenantId)).toEqual([tenantA]);
  });

  it('commits when the work resolves', async () => {
    await context.runInTenant(tenantA, () =>
      context.manager.update(
        TenantSettings,
        { tenantId: tenantA },
        { timezone: 'America/New_York' },
      ),
    );
    expect(await timezoneOf(tenantA)).toBe('America/New_York');
  });

  it('rolls back when the work throws', async () => {
    await expect(
      context.runInTenant(tenantB, async () => {
        await context.manager.update(
          TenantSettings,
          { tenantId: tenantB },
          { timezone: 'Asia/Kolkata' },
        );
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await timezoneOf(tenantB)).toBe('UTC');
  });

  it('joins an open scope of the same tenant and refuses one of another tenant', async () => {
    await context.runInTenant(tenantA, async () => {
      const outer = context.manager;
      await context.runInTenant(tenantA, async () => expect(context.manager).toBe(outer));
      await expect(context.runInTenant(tenantB, async () => undefined)).rejects.toThrow(
        /another tenant/,
      );
    });
  });

  it('throws outside any scope instead of falling back to the raw pool', () => {
    expect(() => context.manager).toThrow(NoTenantScopeError);
    expect(context.current).toBeUndefined();
  });

  it('refuses a tenant id that is not a UUID before touching the database', async () => {
    await expect(
      context.runInTenant("x'; DROP TABLE tenants; --", async () => undefined),
    ).rejects.toThrow(/UUID/);
  });
});
