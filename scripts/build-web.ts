// Bundles the two consoles (src/web/console and src/web/app, Preact) into dist/web/<app>/ with
// content-hashed file names, and writes dist/web/manifest.json: each app's entry script, its
// integrity, its stylesheets, and every file's size raw and gzipped (the bundle budget test reads
// those). Run by `npm run build`, by the test run's global setup, and so by scripts/platform.sh.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  WEB_APPS,
  webAppSize,
  webManifestPath,
  webOutputDirectory,
  webSourceEntry,
  type WebApp,
  type WebAppManifest,
  type WebManifest,
} from '../src/consoles/web-bundle';

async function buildApp(app: WebApp): Promise<WebAppManifest> {
  const outdir = webOutputDirectory(app);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: { main: webSourceEntry(app) },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    sourcemap: false,
    platform: 'browser',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'eof',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = result.metafile.outputs;
  const files: WebAppManifest['files'] = {};
  for (const path of Object.keys(outputs)) {
    const body = readFileSync(path);
    files[basename(path)] = { bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
  }
  // The entry is main-<hash>.js (a dynamic import's chunk is an entry point to esbuild too).
  const entryPath = Object.keys(outputs).find((path) => /^main-.*\.js$/.test(basename(path)));
  if (!entryPath) throw new Error(`no entry script was built for ${app}`);
  const script = basename(entryPath);
  const cssBundle = outputs[entryPath].cssBundle;
  const styles = cssBundle ? [basename(cssBundle)] : [];
  // What the first page load fetches: the entry, the chunks it imports statically, the CSS.
  const initial = new Set<string>([script, ...styles]);
  const visit = (path: string) => {
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !initial.has(basename(imported.path))) {
        initial.add(basename(imported.path));
        visit(imported.path);
      }
    }
  };
  visit(entryPath);
  const integrity = `sha384-${createHash('sha384')
    .update(readFileSync(join(outdir, script)))
    .digest('base64')}`;
  return { script, integrity, styles, initial: [...initial].sort(), files };
}

export async function buildWebApps(): Promise<WebManifest> {
  const manifest = {} as WebManifest;
  for (const app of WEB_APPS) manifest[app] = await buildApp(app);
  writeFileSync(webManifestPath(), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** One line per app: what its first page load fetches, and everything it may load later. */
export function describeSizes(manifest: WebManifest): string[] {
  return WEB_APPS.map((app) => {
    const first = webAppSize(manifest[app], 'initial');
    const all = webAppSize(manifest[app], 'all');
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    return `/${app}: first load ${kib(first.gzip)} gzip (${kib(first.bytes)}); all ${all.files} files ${kib(all.gzip)} gzip (${kib(all.bytes)})`;
  });
}

if (require.main === module) {
  buildWebApps().then(
    (manifest) => {
      for (const line of describeSizes(manifest)) console.log(`web bundle ${line}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
