import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const SRC_DIR = join(__dirname, '..');

export interface SourceFile {
  /** Path relative to src/, with forward slashes. */
  path: string;
  text: string;
}

/** Every non-test TypeScript file of the app (src/, without specs and the embed page's browser code). */
export function appSourceFiles(dir = SRC_DIR): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== join(SRC_DIR, 'analytics', 'embed', 'client'))
        files.push(...appSourceFiles(full));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      files.push({
        path: relative(SRC_DIR, full).split('\\').join('/'),
        text: readFileSync(full, 'utf8'),
      });
    }
  }
  return files;
}
