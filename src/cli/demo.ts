/**
 * `scripts/platform.sh up` calls this once the app answers: provisions the demo tenants through
 * the admin API (idempotently), gives each its own settings and an owner, logs the owner in,
 * sends each a week of realistic events through POST /v1/events, and prints a 15-minute access
 * token per tenant so the API can be tried at once.
 */
import { generateEvent } from './event-generator';

/** Events sent per demo tenant on each `up`: a week of traffic, in batches of 1,000. */
const DEMO_EVENTS = { acme: 6000, globex: 3000, initech: 1000 } as const;
const DEMO_TENANTS = [
  {
    name: 'Acme Corp',
    slug: 'acme',
    tier: 'enterprise',
    settings: { timezone: 'America/New_York', currency: 'USD', locale: 'en-US' },
  },
  {
    name: 'Globex GmbH',
    slug: 'globex',
    tier: 'growth',
    settings: {
      timezone: 'Europe/Berlin',
      currency: 'EUR',
      locale: 'de-DE',
      date_format: 'DD.MM.YYYY',
    },
  },
  {
    name: 'Initech KK',
    slug: 'initech',
    tier: 'starter',
    settings: { timezone: 'Asia/Tokyo', currency: 'JPY', locale: 'ja-JP' },
  },
];

interface TenantBody {
  id: string;
  slug: string;
}
interface ApiBody extends Partial<TenantBody> {
  access_token?: string;
  accepted?: number;
  password_set_token?: string;
  data?: TenantBody[];
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is missing`);
  return value;
}

async function call(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: ApiBody | undefined }> {
  const response = await fetch(url, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => undefined)) as ApiBody | undefined,
  };
}

async function main(): Promise<void> {
  const baseUrl = required('TENANTRY_URL');
  const adminLogin = await call(`${baseUrl}/auth/admin/login`, {
    method: 'POST',
    body: JSON.stringify({
      email: required('PLATFORM_ADMIN_EMAIL'),
      password: required('PLATFORM_ADMIN_PASSWORD'),
    }),
  });
  if (adminLogin.status !== 200 || !adminLogin.body?.access_token) {
    throw new Error(`platform admin login failed (${adminLogin.status})`);
  }
  const admin = { Authorization: `Bearer ${adminLogin.body.access_token}` };
  const demoPassword = required('DEMO_PASSWORD');

  for (const demo of DEMO_TENANTS) {
    // Each demo tenant's owner logs in for real; the password is per machine.
    const email = `owner@${demo.slug}.example`;
    let created = await call(`${baseUrl}/admin/tenants`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        name: demo.name,
        slug: demo.slug,
        tier: demo.tier,
        owner_email: email,
      }),
    });
    if (created.body?.password_set_token) {
      // A new tenant: its owner sets the password with the one-time token, as a customer would.
      await call(`${baseUrl}/auth/password`, {
        method: 'POST',
        body: JSON.stringify({ token: created.body.password_set_token, password: demoPassword }),
      });
    }
    if (created.status === 409) {
      const list = await call(`${baseUrl}/admin/tenants?search=${encodeURIComponent(demo.name)}`, {
        headers: admin,
      });
      created = {
        status: 200,
        body: list.body?.data?.find((t) => t.slug === demo.slug),
      };
    }
    if (!created.body?.id)
      throw new Error(`could not provision ${demo.slug}: ${JSON.stringify(created.body)}`);
    const id: string = created.body.id;
    await call(`${baseUrl}/v1/settings`, {
      method: 'PATCH',
      headers: { ...admin, 'X-Tenant-ID': id },
      body: JSON.stringify(demo.settings),
    });
    // Tenants seeded before owners came with provisioning get one now (409 when it exists).
    await call(`${baseUrl}/v1/users`, {
      method: 'POST',
      headers: { ...admin, 'X-Tenant-ID': id },
      body: JSON.stringify({ email, role: 'owner', password: demoPassword }),
    });
    const login = await call(`${baseUrl}/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ tenant: demo.slug, email, password: demoPassword }),
    });
    if (!login.body?.access_token) {
      throw new Error(`could not log in to ${demo.slug}: ${JSON.stringify(login.body)}`);
    }
    const sent = await sendDemoEvents(
      baseUrl,
      login.body.access_token,
      DEMO_EVENTS[demo.slug as keyof typeof DEMO_EVENTS],
    );
    console.log(
      `  ${demo.slug.padEnd(8)} ${id}  (${demo.tier})  login: ${email} / ${demoPassword}  events sent: ${sent}`,
    );
    console.log(
      `    curl -s ${baseUrl}/v1/settings -H 'Authorization: Bearer ${login.body.access_token}'`,
    );
  }
}

async function sendDemoEvents(
  baseUrl: string,
  accessToken: string,
  count: number,
): Promise<number> {
  let accepted = 0;
  for (let sent = 0; sent < count; sent += 1000) {
    const events = Array.from({ length: Math.min(1000, count - sent) }, () =>
      generateEvent(Math.max(50, count / 20), 7 * 86_400_000),
    );
    const response = await call(`${baseUrl}/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ events }),
    });
    if (response.status !== 202) {
      throw new Error(`demo events refused (${response.status}): ${JSON.stringify(response.body)}`);
    }
    accepted += response.body?.accepted ?? 0;
  }
  return accepted;
}

main().catch((error: unknown) => {
  console.error(`demo seeding failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
