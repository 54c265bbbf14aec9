import type { INestApplication, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { startIngestionConsumer } from '../../src/ingestion/ingestion-consumer';
import { LOG_DESTINATION } from '../../src/logging/logging.module';
import { accessTokenSignOptions } from '../../src/auth/credentials.service';
import { TEST_PLATFORM_ADMIN_EMAIL, TEST_PLATFORM_ADMIN_PASSWORD } from './stack-env';
import { adminTokenFile } from './admin-token-file';

export interface TestApp {
  app: INestApplication;
  /** Base URL of the app listening on an ephemeral loopback port. */
  url: string;
  http: TestAgent;
  close(): Promise<void>;
}

/**
 * Boots the real AppModule (real PostgreSQL, real config validation) in-process. `env` overrides
 * variables for this app only; `logs` receives the JSON log lines.
 */
export async function createTestApp(
  options: { env?: Record<string, string>; logs?: Writable; controllers?: Type[] } = {},
): Promise<TestApp> {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(options.env ?? {})) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  try {
    let builder = Test.createTestingModule({
      imports: [await AppModule.forRoot()],
      controllers: options.controllers ?? [],
    });
    if (options.logs) builder = builder.overrideProvider(LOG_DESTINATION).useValue(options.logs);
    const moduleRef = await builder.compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({
      bodyParser: false,
      bufferLogs: true,
    });
    configureApp(app);
    try {
      await startIngestionConsumer(app);
      await app.listen(0, '127.0.0.1');
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
    const url = await app.getUrl();
    const http = request(url);
    await signInPlatformAdmin(http);
    return { app, url, http, close: () => app.close() };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * The platform admin's Authorization header, from a real POST /auth/admin/login against the
 * first admin the app creates from PLATFORM_ADMIN_EMAIL/PASSWORD. createTestApp fills it in (every
 * test app shares the JWT secret, so one login serves them all) and renews it before it expires;
 * tests read it when they send, so module-level tables may hold the object itself.
 */
export const adminAuth: { Authorization: string } = { Authorization: '' };
let adminTokenRenewAt = 0;

/**
 * The run's admin token, kept on disk for the next test files of the same run (each file has a
 * module registry of its own): one argon2 login per token lifetime instead of one per file, about
 * 0.2-0.7 s each. The file is per test database, and globalSetup removes it (a new database has a
 * new admin).
 */
async function signInPlatformAdmin(http: TestAgent): Promise<void> {
  if (Date.now() < adminTokenRenewAt) return;
  const cached = readCachedAdminToken();
  if (cached) {
    adminAuth.Authorization = cached.authorization;
    adminTokenRenewAt = cached.renewAt;
    return;
  }
  const response = await http
    .post('/auth/admin/login')
    .send({ email: TEST_PLATFORM_ADMIN_EMAIL, password: TEST_PLATFORM_ADMIN_PASSWORD });
  if (response.status !== 200) {
    throw new Error(`platform admin login failed: ${response.status} ${response.text}`);
  }
  adminAuth.Authorization = `Bearer ${response.body.access_token}`;
  // Renew with a third of the lifetime left; no test file runs that long.
  adminTokenRenewAt = Date.now() + (response.body.expires_in * 1000 * 2) / 3;
  mkdirSync(dirname(adminTokenFile()), { recursive: true });
  writeFileSync(
    adminTokenFile(),
    JSON.stringify({ authorization: adminAuth.Authorization, renewAt: adminTokenRenewAt }),
  );
}

function readCachedAdminToken(): { authorization: string; renewAt: number } | undefined {
  try {
    const cached = JSON.parse(readFileSync(adminTokenFile(), 'utf8')) as {
      authorization: string;
      renewAt: number;
    };
    return Date.now() < cached.renewAt ? cached : undefined;
  } catch {
    return undefined; // none yet this run
  }
}

/** Owner user of each tenant made by createTenant: tenant tokens name a real, active user. */
const ownerOf = new Map<string, string>();

/** A tenant access token as login issues it (sub = the tenant's owner user unless claims say otherwise). */
export function tenantToken(
  tenantId: string,
  options: { secret?: string; expiresIn?: number; claims?: Record<string, unknown> } = {},
): string {
  const jwt = new JwtService({ secret: options.secret ?? process.env.JWT_SECRET });
  return jwt.sign(
    {
      sub: ownerOf.get(tenantId) ?? randomUUID(),
      tenant_id: tenantId,
      role: 'owner',
      ...options.claims,
    },
    // A claims.exp of the caller's (an expired token, say) replaces the default lifetime.
    accessTokenSignOptions(
      options.claims?.exp !== undefined ? undefined : (options.expiresIn ?? 300),
    ),
  );
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

let slugCounter = 0;
/** A slug unique within this test run. */
export function uniqueSlug(prefix = 't'): string {
  slugCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${slugCounter}`.slice(0, 63);
}

/** Provisions a tenant and its owner user through the admin API. */
export async function createTenant(
  http: TestAgent,
  input: { name?: string; slug?: string; tier?: string; placement?: string } = {},
): Promise<{ id: string; slug: string; ownerId: string; passwordSetToken: string }> {
  const slug = input.slug ?? uniqueSlug();
  const response = await http
    .post('/admin/tenants')
    .set(adminAuth)
    .send({
      name: input.name ?? `Tenant ${slug}`,
      slug,
      owner_email: `owner@${slug}.example`,
      ...(input.tier ? { tier: input.tier } : {}),
      ...(input.placement ? { placement: input.placement } : {}),
    })
    .expect(201);
  const id: string = response.body.id;
  ownerOf.set(id, response.body.owner.id);
  return {
    id,
    slug: response.body.slug,
    ownerId: response.body.owner.id,
    passwordSetToken: response.body.password_set_token,
  };
}
