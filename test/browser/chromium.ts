// Launches Debian's headless Chromium through playwright-core (no browser download) with the flags these machines
// need, in a fresh profile directory that is removed again on close.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where the suite writes its screenshots (ignored by git). */
export const artifactsDir = fileURLToPath(new URL('../../artifacts/browser/', import.meta.url));

/** The Chromium binary: `CHROMIUM_PATH` or Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((p): p is string => typeof p === 'string' && p !== '' && existsSync(p));
  if (!found) throw new Error('Chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)');
  return found;
}

export interface Browser {
  context: BrowserContext;
  /** Opens a page; its uncaught exceptions go to `errors`, its console errors to `consoleErrors`. */
  open(url: string): Promise<Page>;
  /** Saves a full-page screenshot as artifacts/browser/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  errors: string[];
  /** Console errors; Chromium logs each refused WebSocket connection here, so these are expected while reconnecting. */
  consoleErrors: string[];
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'nanokit-chromium-'));
  mkdirSync(artifactsDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 900, height: 640 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const errors: string[] = [];
  const consoleErrors: string[] = [];
  return {
    context,
    errors,
    consoleErrors,
    async open(url) {
      const page = await context.newPage();
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(msg.text());
      });
      await page.goto(url);
      return page;
    },
    async screenshot(page, name) {
      const file = path.join(artifactsDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
