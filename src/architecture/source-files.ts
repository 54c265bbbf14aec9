import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const SRC_DIR = join(__dirname, '..');

export interface SourceFile {
  /** Path relative to src/, with forward slashes. */
  path: string;
  text: string;
}

/** Browser code, bundled by esbuild and never loaded by the server: the embed page, the consoles. */
const BROWSER_CODE = [join(SRC_DIR, 'analytics', 'embed', 'client'), join(SRC_DIR, 'web')];

/** Every non-test TypeScript file of the app (src/, without specs and the browser code). */
export function appSourceFiles(dir = SRC_DIR): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!BROWSER_CODE.includes(full)) files.push(...appSourceFiles(full));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      files.push({
        path: relative(SRC_DIR, full).split('\\').join('/'),
        text: readFileSync(full, 'utf8'),
      });
    }
  }
  return files;
}
