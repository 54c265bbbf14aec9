import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/stack-env';

export interface SimTenant {
  id: string;
  slug: string;
  apiKey: string;
  /** Share of all events (skewed: a few big tenants, a long tail). */
  weight: number;
}

const KEYS_FILE = join(
  process.env.TENANTRY_STACK_DIR ?? join(REPO_ROOT, '.stack'),
  'simulator',
  'keys.json',
);
const TIERS = ['enterprise', 'growth', 'starter'];

async function call(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
  return {
    status: response.status,
    body: ((await response.json().catch(() => ({}))) ?? {}) as Record<string, unknown>,
  };
}

/** The first platform admin's credentials: the environment, else what platform.sh made. */
function adminCredentials(): { email: string; password: string } {
  const email = process.env.PLATFORM_ADMIN_EMAIL ?? 'ops@tenantry.localhost';
  let password = process.env.PLATFORM_ADMIN_PASSWORD;
  if (!password) {
    const file = join(REPO_ROOT, '.stack', 'app', 'demo-password');
    if (!existsSync(file))
      throw new Error('set PLATFORM_ADMIN_EMAIL/PASSWORD or run scripts/platform.sh up first');
    password = `${readFileSync(file, 'utf8').trim()}-ops`;
  }
  return { email, password };
}

/**
 * Tenants sim-001 … sim-NNN, created through the admin API when missing, each with an
 * events:write API key. Keys are shown only once, so they are kept in .stack/simulator/keys.json
 * (mode 600) for the next run.
 */
export async function ensureTenants(
  url: string,
  count: number,
  log: (line: string) => void,
  existingSlugs: string[] = [],
): Promise<SimTenant[]> {
  if (existingSlugs.length > 0) count = existingSlugs.length;
  const keys: Record<string, { id: string; apiKey: string }> = existsSync(KEYS_FILE)
    ? (JSON.parse(readFileSync(KEYS_FILE, 'utf8')) as Record<
        string,
        { id: string; apiKey: string }
      >)
    : {};
  const { email, password } = adminCredentials();
  const login = await call(`${url}/auth/admin/login`, {
    method: 'POST',
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`platform admin login failed (${login.status})`);
  const admin = { Authorization: `Bearer ${String(login.body.access_token)}` };

  const tenants: SimTenant[] = [];
  const zipf = Array.from({ length: count }, (_, i) => 1 / (i + 1) ** 1.1);
  const total = zipf.reduce((a, b) => a + b, 0);
  let created = 0;
  for (let i = 0; i < count; i++) {
    const slug = existingSlugs[i] ?? `sim-${String(i + 1).padStart(4, '0')}`;
    let known = keys[slug];
    if (!known && existingSlugs.length > 0) {
      // Existing tenants (the demo ones): find them and give each a key of its own.
      const id = await findTenantId(url, admin, slug);
      if (!id) throw new Error(`no tenant with slug ${slug}`);
      known = { id, apiKey: await createKey(url, admin, id, slug) };
      keys[slug] = known;
    }
    if (!known) {
      let tenant = await call(`${url}/admin/tenants`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          name: `Simulated ${slug}`,
          slug,
          tier: TIERS[Math.min(2, Math.floor(i / 5))],
          owner_email: `owner@${slug}.example`,
        }),
      });
      if (tenant.status === 409) {
        const list = await call(
          `${url}/admin/tenants?search=${encodeURIComponent(`Simulated ${slug}`)}`,
          { headers: admin },
        );
        const found = (list.body.data as { id: string; slug: string }[] | undefined)?.find(
          (t) => t.slug === slug,
        );
        tenant = { status: 200, body: found ? { id: found.id } : {} };
      }
      const id = typeof tenant.body.id === 'string' ? tenant.body.id : '';
      if (!id) throw new Error(`could not provision ${slug}: ${JSON.stringify(tenant.body)}`);
      const key = await call(`${url}/v1/api-keys`, {
        method: 'POST',
        headers: { ...admin, 'X-Tenant-ID': id },
        body: JSON.stringify({ name: 'simulator', scopes: ['events:write'] }),
      });
      if (key.status !== 201)
        throw new Error(`could not create a key for ${slug}: ${JSON.stringify(key.body)}`);
      known = { id, apiKey: String(key.body.key) };
      keys[slug] = known;
      created += 1;
    }
    tenants.push({ id: known.id, slug, apiKey: known.apiKey, weight: zipf[i] / total });
  }
  mkdirSync(join(KEYS_FILE, '..'), { recursive: true });
  writeFileSync(KEYS_FILE, JSON.stringify(keys, null, 2));
  chmodSync(KEYS_FILE, 0o600);
  log(
    `${count} tenants ready (${created} created); the biggest takes ${(tenants[0].weight * 100).toFixed(1)}% of events`,
  );
  return tenants;
}

async function findTenantId(
  url: string,
  admin: Record<string, string>,
  slug: string,
): Promise<string | null> {
  for (let page = 1; page <= 50; page++) {
    const list = await call(`${url}/admin/tenants?limit=100&page=${page}`, { headers: admin });
    const data = (list.body.data as { id: string; slug: string }[] | undefined) ?? [];
    const found = data.find((tenant) => tenant.slug === slug);
    if (found) return found.id;
    if (data.length < 100) return null;
  }
  return null;
}

async function createKey(
  url: string,
  admin: Record<string, string>,
  tenantId: string,
  slug: string,
): Promise<string> {
  const key = await call(`${url}/v1/api-keys`, {
    method: 'POST',
    headers: { ...admin, 'X-Tenant-ID': tenantId },
    body: JSON.stringify({ name: 'simulator', scopes: ['events:write'] }),
  });
  if (key.status !== 201 || typeof key.body.key !== 'string') {
    throw new Error(`could not create a key for ${slug}: ${JSON.stringify(key.body)}`);
  }
  return key.body.key;
}

/** Picks a tenant by weight. */
export function tenantPicker(
  tenants: SimTenant[],
  random: () => number = Math.random,
): () => SimTenant {
  const cumulative: number[] = [];
  let sum = 0;
  for (const tenant of tenants) cumulative.push((sum += tenant.weight));
  return () => {
    const roll = random() * sum;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid] < roll) low = mid + 1;
      else high = mid;
    }
    return tenants[low];
  };
}
