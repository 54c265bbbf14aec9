import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
export const ARTIFACTS_DIRECTORY = join(ROOT, 'test', 'artifacts');
export const DOCS_SCREENSHOTS_DIRECTORY = join(ROOT, 'docs', 'screenshots');

/**
 * Where a console page's screenshot goes: always test/artifacts (git-ignored, kept by CI), and
 * docs/screenshots (committed, linked from the README) only when UPDATE_SCREENSHOTS=1, because
 * each run shows new random tenant slugs and would otherwise rewrite the committed files.
 */
export function screenshotDirectories(): string[] {
  return process.env.UPDATE_SCREENSHOTS === '1'
    ? [ARTIFACTS_DIRECTORY, DOCS_SCREENSHOTS_DIRECTORY]
    : [ARTIFACTS_DIRECTORY];
}
