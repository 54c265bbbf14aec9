import { join } from 'node:path';
import { projectRoot } from '../analytics/embed/embed-bundle';

/**
 * The two consoles' single-page apps: bundled from src/web/<app>/main.tsx by scripts/build-web.ts
 * into dist/web/<app>/ with content-hashed names, plus dist/web/manifest.json naming each app's
 * entry script and stylesheet. The app reads the manifest at start (ConsoleAssets).
 */
export const WEB_APPS = ['console', 'app'] as const;
export type WebApp = (typeof WEB_APPS)[number];

export interface WebAppManifest {
  /** The entry script's file name under /<app>/assets/. */
  script: string;
  /** Subresource Integrity of the entry script. */
  integrity: string;
  styles: string[];
  /** What the first page load fetches: the entry, the chunks it imports statically, the CSS. */
  initial: string[];
  /** Every file the build wrote for the app, with its size and gzip size in bytes. */
  files: Record<string, { bytes: number; gzip: number }>;
}

export type WebManifest = Record<WebApp, WebAppManifest>;

export function webSourceEntry(app: WebApp): string {
  return join(projectRoot(), 'src', 'web', app, 'main.tsx');
}

export function webOutputDirectory(app?: WebApp): string {
  const root = join(projectRoot(), 'dist', 'web');
  return app ? join(root, app) : root;
}

export function webManifestPath(): string {
  return join(webOutputDirectory(), 'manifest.json');
}

/** Bytes and gzip bytes of an app's first load ('initial') or of every file it has ('all'). */
export function webAppSize(
  manifest: WebAppManifest,
  which: 'initial' | 'all',
): { files: number; bytes: number; gzip: number } {
  const names = which === 'initial' ? manifest.initial : Object.keys(manifest.files);
  return names.reduce(
    (sum, name) => ({
      files: sum.files + 1,
      bytes: sum.bytes + (manifest.files[name]?.bytes ?? 0),
      gzip: sum.gzip + (manifest.files[name]?.gzip ?? 0),
    }),
    { files: 0, bytes: 0, gzip: 0 },
  );
}
