import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where the embed page's script is built to and read from. `npm run build` (after `nest build`,
 * which empties dist/) and the test run's global setup bundle src/analytics/embed/client/ with
 * Chart.js into dist/embed/embed.js (scripts/build-embed.ts); the app reads that one file at
 * start. The same place whether the app runs from dist/ or from source under Jest: both find
 * the project root (the folder with package.json) above their own file.
 */
export const EMBED_CLIENT_ENTRY = join('src', 'analytics', 'embed', 'client', 'main.ts');
export const EMBED_BUNDLE_FILE = 'embed.js';

export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export function embedBundlePath(): string {
  return join(projectRoot(), 'dist', 'embed', EMBED_BUNDLE_FILE);
}
