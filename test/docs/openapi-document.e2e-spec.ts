import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, TestApp } from '../support/test-app';

const REPO_ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

interface Operation {
  'x-access'?: { kind: string };
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/**
 * The OpenAPI document is the contract: it validates as OpenAPI 3.1 with a real validator, the
 * committed copy (docs/openapi.json) and the typed client's types (src/api-client/schema.d.ts)
 * are exactly what the running app serves, so a renamed field, a new status or a changed
 * schema fails here until `npm run openapi` is run and the change is committed.
 */
describe('OpenAPI document', () => {
  let t: TestApp;
  let served: Document;
  const work = mkdtempSync(join(tmpdir(), 'tenantry-openapi-'));
  const servedPath = join(work, 'openapi.json');

  beforeAll(async () => {
    t = await createTestApp();
    served = (await t.http.get('/docs-json').expect(200)).body as Document;
    writeFileSync(servedPath, `${JSON.stringify(served, null, 2)}\n`);
  });
  afterAll(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('validates as OpenAPI 3.1 (@seriousme/openapi-schema-validator, JSON Schema 2020-12)', async () => {
    expect(served.openapi).toBe('3.1.0');
    const { stdout } = await run(process.execPath, ['scripts/openapi/validate.mjs', servedPath], {
      cwd: REPO_ROOT,
    }).catch((error: { stdout?: string; message?: string }) => ({
      stdout: error.stdout ?? JSON.stringify({ valid: false, errors: [error.message] }),
    }));
    const outcome = JSON.parse(stdout) as { valid: boolean; version: string; errors: unknown[] };
    expect(outcome.errors).toEqual([]);
    expect(outcome).toMatchObject({ valid: true, version: '3.1' });
  });

  it('is the committed docs/openapi.json (run `npm run openapi` after changing the API)', () => {
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'openapi.json'), 'utf8'));
    expect(served).toEqual(committed);
  });

  it('gives the committed client types (src/api-client/schema.d.ts)', async () => {
    const { stdout } = await run(
      process.execPath,
      ['scripts/openapi/generate-types.mjs', servedPath],
      { cwd: REPO_ROOT, maxBuffer: 32 * 1024 * 1024 },
    );
    const committed = readFileSync(join(REPO_ROOT, 'src', 'api-client', 'schema.d.ts'), 'utf8');
    expect(stdout === committed).toBe(true);
  });

  it('documents every refusal with the JSON error body, and the 400 of every route', () => {
    for (const [path, item] of Object.entries(served.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(operation.responses);
        // A success, or for the browser's SSO round trip, the redirect that is its success.
        expect([where, statuses.some((status) => /^(2\d\d|302)$/.test(status))]).toEqual([
          where,
          true,
        ]);
        expect([where, operation.responses['400']?.content]).toEqual([
          where,
          { 'application/json': { schema: { $ref: '#/components/schemas/InvalidInputResponse' } } },
        ]);
        if (operation['x-access']?.kind !== 'public') {
          expect([where, statuses]).toEqual([where, expect.arrayContaining(['401', '403'])]);
        }
        if (operation.requestBody) {
          expect([where, statuses]).toEqual([where, expect.arrayContaining(['413', '415'])]);
        }
        for (const [status, response] of Object.entries(operation.responses)) {
          // 204 and the SSO round trip's 302 have no body.
          if (status !== '204' && status !== '302')
            expect([where, status, response.content]).toEqual([where, status, expect.anything()]);
        }
      }
    }
  });
});
