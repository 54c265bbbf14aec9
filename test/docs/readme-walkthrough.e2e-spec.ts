import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureTopics } from '../../src/ingestion/kafka/kafka-connection';
import { ingestionEnv, testKafka } from '../support/ingestion';
import { createTestApp, TestApp } from '../support/test-app';
import { TEST_PLATFORM_ADMIN_EMAIL, TEST_PLATFORM_ADMIN_PASSWORD } from '../support/stack-env';

const REPO_ROOT = join(__dirname, '..', '..');

/** The ```sh blocks of the README's "Using the API" section, in order. */
function walkthrough(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Using the API');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]).join('\n');
}

/**
 * The README promises its API walkthrough runs as written. It does, here, against a test app:
 * curl and jq in bash with `set -euo pipefail`, so any refused request or missing field fails.
 */
describe('README walkthrough', () => {
  let t: TestApp;
  beforeAll(async () => {
    // With the ingestion consumer, as the platform runs: the analytics block waits for its events.
    t = await createTestApp({ env: ingestionEnv('walkthrough') });
    // The walkthrough's direct producer writes tenant_events, which the platform creates at
    // start-up (test apps use topics of their own).
    await ensureTopics(testKafka('test-walkthrough-topics', 'admin'), 'tenant_events', 3);
  });
  afterAll(() => t.close());

  it('runs every curl of "Using the API" in order, with the answers it says', async () => {
    const script = walkthrough();
    expect(script.split('\n').filter((line) => line.startsWith('curl')).length).toBeGreaterThan(30);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        API: t.url.replace('[::1]', '127.0.0.1'),
        ADMIN_EMAIL: TEST_PLATFORM_ADMIN_EMAIL,
        ADMIN_PASSWORD: TEST_PLATFORM_ADMIN_PASSWORD,
      },
      timeout: 60_000,
    });
    if (process.env.SHOW_WALKTHROUGH) console.log(stdout);
    for (const line of [
      'reused refresh token: 401',
      'its successor: 401',
      '"Invalid credentials"',
      'viewer reads settings: 200',
      'disabled user, same token: 401',
      'key without users:read: 403',
      'revoked key: 401',
      'sent 1 event to tenant_events as tenantry-producer',
      '{"accepted":1,"rejected":[{"index":1,"errors":[{"field":"event_id"',
      '{"accepted":1,"rejected":[]}',
      "hooli asks for umbrella's user: 404",
      'erasure: completed',
      '{"status":"completed","progress":{"percent":100',
      'archive: manifest.json settings.json branding.json users.ndjson',
      '"imported":{"settings":true,"branding":',
      '"suspended"',
      '"pending_deletion"',
      'owner during the grace: 403',
      'owner after the restore: 200',
      '[{"field":"force"',
      'purged: purged, users removed 1',
      '{"action":"tenant.purged","actor_type":"platform_admin"',
    ]) {
      expect(stdout).toContain(line);
    }
    expect(stdout).toMatch(/"Missing permission: users:read"/);
    expect(stdout).toMatch(/^events stored: [1-9]/m);
    expect(stdout).toMatch(
      /^upcoming: draft, number null, lines growth,enterprise, total [1-9]\d* cents$/m,
    );
    expect(stdout).toMatch(/"actor_type": "platform_admin"[\s\S]*"caller_tenant_id"/);
  });
});
