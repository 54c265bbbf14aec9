import { createTestApp } from '../support/test-app';

describe('start-up role check', () => {
  it('refuses to start when the app connects as the role that owns the tenant tables', async () => {
    await expect(
      createTestApp({
        env: {
          DATABASE_APP_USER: process.env.DATABASE_OWNER_USER!,
          DATABASE_APP_PASSWORD: process.env.DATABASE_OWNER_PASSWORD!,
        },
      }),
    ).rejects.toThrow(/Refusing to start.*owns .*public\.tenant_settings/);
  });

  it('refuses to start when tenant traffic would run as the platform role, which holds the cross-tenant readers', async () => {
    await expect(
      createTestApp({
        env: {
          DATABASE_APP_USER: process.env.DATABASE_PLATFORM_USER!,
          DATABASE_APP_PASSWORD: process.env.DATABASE_PLATFORM_PASSWORD!,
        },
      }),
    ).rejects.toThrow(
      /Refusing to start.*holds the platform role's .*EXECUTE on public\.platform_audit_entries/,
    );
  });

  it('refuses to start on a malformed environment, naming the variable', async () => {
    await expect(createTestApp({ env: { JWT_SECRET: 'short' } })).rejects.toThrow(/JWT_SECRET/);
  });
});
