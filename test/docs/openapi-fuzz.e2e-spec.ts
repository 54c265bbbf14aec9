import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { restoreSeededPlans } from '../support/plans';
import { adminAuth, bearer, createTenant, createTestApp, TestApp } from '../support/test-app';

const REPO_ROOT = join(__dirname, '..', '..');
const ARTIFACT = join(REPO_ROOT, 'test', 'artifacts', 'openapi-fuzz.json');

/**
 * What the conformance fuzz must check on every answer. OPENAPI_FUZZ_CHECKS replaces them for an
 * exploration by hand (positive_data_acceptance, say, lists valid-by-schema input the code refuses).
 */
const CHECKS = process.env.OPENAPI_FUZZ_CHECKS?.split(',') ?? [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'response_headers_conformance',
];
/**
 * Cases per operation and phase. At 25 the fuzz took 200 s of a whole run on two busy cores
 * (2026-12-01), the longest file of the suite; each run draws a new seed, so runs add up to more
 * cases than any one holds. OPENAPI_FUZZ_MAX_EXAMPLES=100 for a deeper look by hand.
 */
const MAX_EXAMPLES = Number(process.env.OPENAPI_FUZZ_MAX_EXAMPLES ?? 15);
const WORKERS = 2;
/** A hard stop for the fuzzer itself, well inside the test's own timeout. */
const FUZZ_TIMEOUT_MS = 8 * 60_000;

interface FuzzSummary {
  schemathesis: string;
  seed: number;
  checks: string[];
  max_examples_per_operation: number;
  phases: Record<string, string>;
  operations_total: number;
  operations_tested: number;
  operations_skipped: number;
  cases_generated: number;
  failures: number;
  errors: number;
  duration_seconds: number;
  exit_code: number | null;
  failure_kinds: { code: string; title: string; count: number; operations: string[] }[];
}

/**
 * The OpenAPI document is the contract, and Schemathesis holds the app to it: every operation of
 * /docs-json is called with cases generated from its schemas (valid and invalid, plus stateful
 * sequences), as a platform admin on /admin routes and as a seeded tenant's owner on tenant
 * routes, and every answer must be no 5xx, a documented status, the documented content type,
 * documented headers and a body matching the documented schema. Its summary goes to
 * test/artifacts/openapi-fuzz.json.
 */
describe('OpenAPI conformance fuzz (Schemathesis)', () => {
  let t: TestApp;
  let st: string;
  const work = mkdtempSync(join(tmpdir(), 'tenantry-fuzz-'));

  beforeAll(async () => {
    // The pinned fuzzer in a virtualenv of its own (installed once, then reused).
    const { stdout } = await promisify(execFile)('bash', ['scripts/schemathesis.sh'], {
      cwd: REPO_ROOT,
      timeout: 240_000,
    });
    st = stdout.trim().split('\n').pop()!;
    t = await createTestApp();
  }, 300_000);
  afterAll(async () => {
    // The fuzzer adds plan versions: later suites get the seeded catalogue back.
    if (t) await restoreSeededPlans(t.http);
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('finds every operation answering as documented: no 5xx, no undocumented status, type or body', async () => {
    const credentials = await seedCredentials(t);
    const url = t.url.replace('[::1]', '127.0.0.1');
    const seed = Number(process.env.OPENAPI_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const reportPath = join(work, 'report.json');
    const args = [
      '--config-file',
      join(REPO_ROOT, 'test', 'docs', 'openapi-fuzz.toml'),
      '--no-color',
      'run',
      `${url}/docs-json`,
      '--checks',
      CHECKS.join(','),
      '--max-examples',
      String(MAX_EXAMPLES),
      '--workers',
      String(WORKERS),
      '--seed',
      String(seed),
      '--request-timeout',
      '10',
      '--report',
      'json',
      '--report-json-path',
      reportPath,
    ];
    const started = Date.now();
    const { code, output } = await run(st, args, {
      ...credentials,
      // The fuzzer's own files (its example database) stay in the scratch folder.
      HOME: work,
    });
    const durationSeconds = Math.round((Date.now() - started) / 100) / 10;
    mkdirSync(join(REPO_ROOT, 'test', 'artifacts'), { recursive: true });
    // The fuzzer's full account and its JSON report, beside the summary, for a failure's details.
    writeFileSync(ARTIFACT.replace(/\.json$/, '-output.txt'), output);

    const summary = summarise(readReport(reportPath), {
      seed,
      code,
      durationSeconds,
      version: await versionOf(st),
    });
    writeFileSync(ARTIFACT, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(
      `OpenAPI conformance fuzz: ${summary.operations_tested} operations tested, ` +
        `${summary.cases_generated} cases generated, ${summary.failures} failures, ` +
        `${summary.errors} errors in ${summary.duration_seconds} s ` +
        `(schemathesis ${summary.schemathesis}, seed ${seed}; ${ARTIFACT})`,
    );
    if (code !== 0 || summary.failures > 0 || summary.errors > 0) {
      // The fuzzer's own account names each failing operation with a curl to reproduce it.
      console.log(output.slice(-20_000));
    }
    expect(summary.operations_tested).toBeGreaterThanOrEqual(40);
    expect(summary.failures).toBe(0);
    expect(summary.errors).toBe(0);
    expect(code).toBe(0);
  }, 600_000);

  function run(
    command: string,
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      // Asynchronous on purpose: the app under test answers from this same process.
      const child = spawn(command, args, {
        cwd: work,
        env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGTERM'), FUZZ_TIMEOUT_MS);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }
});

/**
 * A tenant of the fuzzer's own with some events, its owner's access token, an API key with every
 * scope, and the spare resources the destructive operations get as their path id.
 */
async function seedCredentials(t: TestApp): Promise<Record<string, string>> {
  const tenant = await createTenant(t.http, { tier: 'enterprise' });
  const password = 'fuzz owner passphrase';
  await t.http
    .post('/auth/password')
    .send({ token: tenant.passwordSetToken, password })
    .expect(204);
  const login = await t.http
    .post('/auth/login')
    .send({ tenant: tenant.slug, email: `owner@${tenant.slug}.example`, password })
    .expect(200);
  const owner = bearer(login.body.access_token);
  const key = await t.http
    .post('/v1/api-keys')
    .set(owner)
    .send({
      name: 'fuzz',
      scopes: (await t.http.get('/auth/me').set(owner).expect(200)).body.permissions,
    })
    .expect(201);
  const spareKey = await t.http
    .post('/v1/api-keys')
    .set(owner)
    .send({ name: 'spare', scopes: ['events:write'] })
    .expect(201);
  const spareUser = await t.http
    .post('/v1/users')
    .set(owner)
    .send({ email: 'spare@fuzz.example', role: 'viewer' })
    .expect(201);
  const spareTenant = await createTenant(t.http);
  const now = Date.now();
  await t.http
    .post('/v1/events')
    .set(owner)
    .send({
      events: Array.from({ length: 50 }, (_, index) => ({
        event_id: randomUUID(),
        event_type: ['page_view', 'signup', 'purchase'][index % 3],
        timestamp: new Date(now - index * 3_600_000).toISOString(),
        user_id: `user-${index % 7}`,
        session_id: `session-${index % 11}`,
        properties: { country: ['DE', 'FR', 'US'][index % 3], price: index },
      })),
    })
    .expect(202);
  return {
    FUZZ_TENANT_TOKEN: login.body.access_token,
    FUZZ_API_KEY: key.body.key,
    FUZZ_ADMIN_TOKEN: adminAuth.Authorization.replace(/^Bearer /, ''),
    FUZZ_SPARE_TENANT_ID: spareTenant.id,
    FUZZ_SPARE_USER_ID: spareUser.body.id,
    FUZZ_SPARE_API_KEY_ID: spareKey.body.id,
  };
}

async function versionOf(st: string): Promise<string> {
  const { stdout } = await promisify(execFile)(st, ['--version']);
  return stdout.trim().replace(/^st, version /, '');
}

function readReport(path: string): SchemathesisReport {
  try {
    const text = readFileSync(path, 'utf8');
    writeFileSync(ARTIFACT.replace(/\.json$/, '-report.json'), text);
    return JSON.parse(text) as SchemathesisReport;
  } catch {
    return {};
  }
}

interface SchemathesisReport {
  operations?: { total?: number; tested?: number; skipped?: number; errored?: number };
  test_cases?: { generated?: number; with_failures?: number; errored?: number };
  failures?: { code: string; title: string; count: number; operations: string[] }[];
  errors?: unknown[];
  phases?: Record<string, { status: string }>;
}

/** The run in a few numbers (Schemathesis' JSON report has them all, with more besides). */
function summarise(
  report: SchemathesisReport,
  run: { seed: number; code: number | null; durationSeconds: number; version: string },
): FuzzSummary {
  const failures = report.failures ?? [];
  return {
    schemathesis: run.version,
    seed: run.seed,
    checks: CHECKS,
    max_examples_per_operation: MAX_EXAMPLES,
    phases: Object.fromEntries(
      Object.entries(report.phases ?? {}).map(([phase, { status }]) => [phase, status]),
    ),
    operations_total: report.operations?.total ?? 0,
    operations_tested: report.operations?.tested ?? 0,
    operations_skipped: report.operations?.skipped ?? 0,
    cases_generated: report.test_cases?.generated ?? 0,
    failures: report.test_cases?.with_failures ?? failures.reduce((n, f) => n + f.count, 0),
    failure_kinds: failures.map((f) => ({
      code: f.code,
      title: f.title,
      count: f.count,
      operations: f.operations,
    })),
    errors: (report.errors ?? []).length + (report.operations?.errored ?? 0),
    duration_seconds: run.durationSeconds,
    exit_code: run.code,
  };
}
