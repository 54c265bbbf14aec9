import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  WEB_APPS,
  webAppSize,
  webManifestPath,
  type WebManifest,
} from '../../src/consoles/web-bundle';
import { describeSizes } from '../../scripts/build-web';

const budget = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'src', 'web', 'bundle-budget.json'), 'utf8'),
) as Record<string, { initialGzipKiB: number; allGzipKiB: number }>;

/**
 * The consoles' bundle sizes (built by the test run's global setup, as `npm run build` does),
 * printed and held to src/web/bundle-budget.json: a dependency that doubles a console's weight
 * fails CI instead of slowing every operator's first load.
 */
describe('console bundle budget', () => {
  const manifest = JSON.parse(readFileSync(webManifestPath(), 'utf8')) as WebManifest;

  it('reports every console bundle size, gzipped', () => {
    const lines = describeSizes(manifest);
    process.stdout.write(`${lines.map((line) => `web bundle ${line}`).join('\n')}\n`);
    expect(lines).toHaveLength(WEB_APPS.length);
  });

  it.each(WEB_APPS)('/%s stays within its gzip budget', (app) => {
    const limits = budget[app];
    const first = webAppSize(manifest[app], 'initial');
    const all = webAppSize(manifest[app], 'all');
    expect(first.files).toBeGreaterThan(0);
    expect(first.gzip / 1024).toBeLessThanOrEqual(limits.initialGzipKiB);
    expect(all.gzip / 1024).toBeLessThanOrEqual(limits.allGzipKiB);
  });
});
