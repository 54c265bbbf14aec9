import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS_DIRECTORY, screenshotDirectories } from './screenshots';

export const OPERATOR_PASSWORD = 'console operator passphrase';

/** Signs in on the console's login page and waits for the tenants list. */
export async function signInToConsole(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByRole('heading', { name: 'Tenantry operator console' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(OPERATOR_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
}


/**
 * A console page's screenshot, viewport only at 1280x800 (small PNGs): under test/artifacts
 * (git-ignored), and docs/screenshots (committed, linked from the README) with
 * UPDATE_SCREENSHOTS=1 (see screenshots.ts).
 */
export async function saveConsoleScreenshot(
  page: Page,
  name: string,
  { phone = false }: { phone?: boolean } = {},
): Promise<void> {
  // The phone-width shots are for review only: test/artifacts, not the README.
  const file = phone ? `console-${name}-390.png` : `console-${name}.png`;
  const directories = phone ? [ARTIFACTS_DIRECTORY] : screenshotDirectories();
  for (const directory of directories) {
    mkdirSync(directory, { recursive: true });
    await page.screenshot({ path: join(directory, file), fullPage: false });
  }
}
