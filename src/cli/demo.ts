/**
 * `scripts/platform.sh up` calls this once the app answers: provisions the demo tenants through
 * the admin API (idempotently), gives each its own settings and an owner, logs the owner in,
 * sends each a week of realistic events through POST /v1/events unless it has events in the last
 * 7 days already (so repeated `up`s do not stack weeks into the same window), waits until what it
 * sent is stored, and prints each tenant's stored events and how to log in.
 */
import { PLANS } from '../tenancy/plans';
import type { TenantTier } from '../tenancy/tenant.entity';
import { generateEvent } from './event-generator';

/** Events sent per demo tenant the first time: a week of traffic, in batches of 1,000. */
const DEMO_EVENTS = { acme: 6000, globex: 3000, initech: 1000 } as const;
const WEEK_MS = 7 * 86_400_000;
/** How long to wait for the events sent now to be stored (the consumer writes them in batches). */
const STORED_WAIT_MS = 30_000;
const DEMO_TENANTS: {
  name: string;
  slug: keyof typeof DEMO_EVENTS;
  tier: TenantTier;
  settings: Record<string, string>;
}[] = [
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
  metrics?: { events: { value: number } };
}

/** A demo tenant after seeding: what it had, what it got now, and how to reach it. */
interface Seeded {
  slug: string;
  id: string;
  tier: TenantTier;
  email: string;
  accessToken: string;
  /** Events it had before this run (null: more than the analytics store counts in one query). */
  storedBefore: number | null;
  sent: number;
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

  const seeded: Seeded[] = [];
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
    const accessToken = login.body.access_token;
    // Seed once: a tenant with events in the last 7 days (the default range) keeps them as they are.
    const inLastWeek = await storedEvents(baseUrl, accessToken, demo.tier, 'week');
    const alreadySeeded = inLastWeek === null || inLastWeek > 0;
    const storedBefore = await storedEvents(baseUrl, accessToken, demo.tier, 'retention');
    const sent = alreadySeeded
      ? 0
      : await sendDemoEvents(baseUrl, accessToken, DEMO_EVENTS[demo.slug]);
    seeded.push({ slug: demo.slug, id, tier: demo.tier, email, accessToken, storedBefore, sent });
  }

  const stored = await waitUntilStored(baseUrl, seeded);
  let total = 0;
  let uncounted = false;
  let onTheirWay = 0;
  for (const [i, tenant] of seeded.entries()) {
    const count = stored[i];
    if (count === null) uncounted = true;
    else total += count;
    if (count !== null && tenant.storedBefore !== null) {
      onTheirWay += Math.max(0, tenant.storedBefore + tenant.sent - count);
    }
    const history =
      tenant.sent > 0 ? 'a week of history sent now' : 'history from an earlier up, not sent again';
    console.log(
      `  ${tenant.slug.padEnd(8)} ${tenant.id}  ${`(${tenant.tier})`.padEnd(12)}  login: ${tenant.email} / ${demoPassword}  events stored: ${count ?? 'too many to count in one query'} (${history})`,
    );
  }
  console.log(
    `  Events      stored so far: ${uncounted ? 'more than ' : ''}${total} in ${seeded.map((t) => t.slug).join(', ')} (GET /v1/analytics/summary of each)` +
      (onTheirWay > 0 ? `; ${onTheirWay} sent now are still on their way` : ''),
  );
  // One tenant's login as a copyable line: the tokens themselves (15 minutes) are not printed.
  const first = seeded[0];
  const credentials = JSON.stringify({
    tenant: first.slug,
    email: first.email,
    password: demoPassword,
  });
  console.log(
    `  Log in      TOKEN=$(curl -fsS ${baseUrl}/auth/login -H 'Content-Type: application/json' -d '${credentials}' | jq -r .access_token)`,
  );
  console.log(
    `              curl -s ${baseUrl}/v1/analytics/summary -H "Authorization: Bearer $TOKEN" | jq .metrics`,
  );
}

/**
 * The tenant's stored events, from the analytics summary: over the last 7 days ('week', the
 * route's default range) or as far back as its plan keeps them ('retention'). Null when the store
 * refuses to count that many in one query (its per-query read limit: 422).
 */
async function storedEvents(
  baseUrl: string,
  accessToken: string,
  tier: TenantTier,
  range: 'week' | 'retention',
): Promise<number | null> {
  // An hour inside the retention, so the server's own clock never finds `from` past it.
  const from = new Date(Date.now() - PLANS[tier].dataRetentionDays * 86_400_000 + 3_600_000);
  const query = range === 'week' ? '' : `?from=${from.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  const answer = await call(`${baseUrl}/v1/analytics/summary${query}`, {
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (answer.status === 422) return null;
  if (answer.status !== 200 || !answer.body?.metrics) {
    throw new Error(`counting events failed (${answer.status}): ${JSON.stringify(answer.body)}`);
  }
  return answer.body.metrics.events.value;
}

/** Each tenant's stored events once what was sent now is stored, or at STORED_WAIT_MS. */
async function waitUntilStored(baseUrl: string, seeded: Seeded[]): Promise<(number | null)[]> {
  const deadline = Date.now() + STORED_WAIT_MS;
  for (;;) {
    const stored: (number | null)[] = [];
    let arrived = true;
    for (const tenant of seeded) {
      const count = await storedEvents(baseUrl, tenant.accessToken, tenant.tier, 'retention');
      stored.push(count);
      if (count !== null && tenant.storedBefore !== null) {
        arrived &&= count >= tenant.storedBefore + tenant.sent;
      }
    }
    if (arrived || Date.now() >= deadline) return stored;
    await new Promise((resolve) => setTimeout(resolve, 1000));
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
      generateEvent(Math.max(50, count / 20), WEEK_MS),
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
