import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { accessTokenSignOptions } from '../src/auth/credentials.service';
import { readStackEnv } from '../src/config/stack-env';
import { recreateDatabase } from '../src/database/recreate-database';

const ADMIN_EMAIL = 'bench@tenantry.localhost';

/** What a bench needs to sign in: the admin password and JWT secret it set for its app. */
export interface BenchSecrets {
  database: string;
  adminPassword: string;
  jwtSecret: string;
  /** Puts back the variables this bench set, so the next bench of `npm run bench` starts clean. */
  restoreEnvironment(): void;
}

/**
 * Recreates the bench's own database (`<prefix>_<suffix>`; BENCH_DATABASE_PREFIX keeps parallel
 * runs in several worktrees apart) and points process.env at it, silent and in production mode,
 * with a fresh admin password and JWT secret; `env` adds the bench's own settings.
 */
export async function prepareBenchDatabase(
  suffix: string,
  log: (line: string) => void,
  env: Record<string, string> = {},
): Promise<BenchSecrets> {
  const stack = readStackEnv();
  const merged = { ...stack, ...process.env } as Record<string, string>;
  if (!merged.DATABASE_HOST) throw new Error('no local stack: run bash scripts/stack.sh up first');
  const prefix = process.env.BENCH_DATABASE_PREFIX ?? stack.DATABASE_NAME ?? 'tenantry';
  const database = `${prefix}_${suffix}`;
  log(`preparing database ${database}`);
  await recreateDatabase(
    {
      host: merged.DATABASE_HOST,
      port: Number(merged.DATABASE_PORT),
      user: merged.DATABASE_OWNER_USER,
      password: merged.DATABASE_OWNER_PASSWORD,
      maintenanceDatabase: stack.DATABASE_NAME ?? 'tenantry',
    },
    database,
  );
  const adminPassword = randomBytes(18).toString('base64url');
  const jwtSecret = randomBytes(32).toString('hex');
  const settings: Record<string, string> = {
    ...stack,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_NAME: database,
    JWT_SECRET: jwtSecret,
    PLATFORM_ADMIN_EMAIL: ADMIN_EMAIL,
    PLATFORM_ADMIN_PASSWORD: adminPassword,
    ...env,
  };
  const saved = Object.fromEntries(Object.keys(settings).map((key) => [key, process.env[key]]));
  Object.assign(process.env, settings);
  return {
    database,
    adminPassword,
    jwtSecret,
    restoreEnvironment() {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}

/** The whole app (or `root` around it) listening on a free loopback port, with the process env. */
export async function startBenchApp(root?: DynamicModule): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    root ?? (await AppModule.forRoot()),
    {
      bodyParser: false,
      logger: false,
      abortOnError: false,
    },
  );
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  return app;
}

/** A tenant created through POST /admin/tenants, and an hour's access token for its owner. */
export async function createBenchTenant(
  url: string,
  secrets: BenchSecrets,
  body: { name: string; slug: string; owner_email: string; tier?: string },
): Promise<{ id: string; ownerToken: string }> {
  const login = await fetch(`${url}/auth/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: secrets.adminPassword }),
  });
  const { access_token: adminToken } = (await login.json()) as { access_token: string };
  const created = await fetch(`${url}/admin/tenants`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (created.status !== 201) throw new Error(`POST /admin/tenants answered ${created.status}`);
  const tenant = (await created.json()) as { id: string; owner: { id: string } };
  const ownerToken = new JwtService({ secret: secrets.jwtSecret }).sign(
    { sub: tenant.owner.id, tenant_id: tenant.id, role: 'owner' },
    accessTokenSignOptions('1h'),
  );
  return { id: tenant.id, ownerToken };
}
