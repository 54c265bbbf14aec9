import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastSecuritySuiteRun } from './security-suite-result';

describe('lastSecuritySuiteRun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'security-suite-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('says never_run when the suite has written nothing', async () => {
    expect(await lastSecuritySuiteRun(join(dir, 'absent.json'))).toMatchObject({
      status: 'never_run',
    });
  });

  it('reports the time and result of the last run', async () => {
    const path = file(
      'failed.json',
      JSON.stringify({
        suite: 'test/security',
        finished_at: '2026-11-29T21:00:00.000Z',
        passed: false,
        tests: { total: 10, failed: 1 },
        findings: ['GET /v1/x answered 500'],
      }),
    );
    expect(await lastSecuritySuiteRun(path)).toEqual({
      status: 'failed',
      file: path,
      finished_at: '2026-11-29T21:00:00.000Z',
      tests: { total: 10, failed: 1 },
      findings: ['GET /v1/x answered 500'],
    });
  });

  it('calls a file without its required fields, or not JSON, unreadable', async () => {
    expect(await lastSecuritySuiteRun(file('bad.json', '{"passed": "yes"}'))).toMatchObject({
      status: 'unreadable',
    });
    expect(await lastSecuritySuiteRun(file('broken.json', '{'))).toMatchObject({
      status: 'unreadable',
    });
  });
});
