// Bundles the embed page's script (src/analytics/embed/client/main.ts) with Chart.js into one
// minified file, dist/embed/embed.js, which the app serves at /embed/assets/embed.<hash>.js.
// Run by `npm run build` (after nest build, which empties dist/), by the test run's global
// setup (so `npx jest` alone always serves a fresh bundle), and so by scripts/platform.sh.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  EMBED_CLIENT_ENTRY,
  embedBundlePath,
  projectRoot,
} from '../src/analytics/embed/embed-bundle';

export async function buildEmbedBundle(): Promise<string> {
  const outfile = embedBundlePath();
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(projectRoot(), EMBED_CLIENT_ENTRY)],
    outfile,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    // Chart.js's MIT notice stays in the file.
    legalComments: 'eof',
    logLevel: 'warning',
  });
  return outfile;
}

if (require.main === module) {
  buildEmbedBundle().then(
    (file) => console.log(`embed bundle: ${file}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
