// The ESM build as an app bundles it: a rollup bundle (node-resolve with browser conditions + commonjs) of a tiny app
// importing `@nanokit/client`, run in real Chromium against the chat example, next to a page on the global build.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';
import { type BundleSite, serveBundle } from './bundle-site.ts';
import { type Browser, launchChromium } from './chromium.ts';

const entry = fileURLToPath(new URL('./fixtures/bundle-app.mjs', import.meta.url));

describe('rollup bundle of the ESM build in Chromium', () => {
  let chat: ChatServer;
  let browser: Browser;
  let site: BundleSite;

  beforeAll(async () => {
    chat = await startChatServer({ port: 0, quiet: true });
    site = await serveBundle(entry, '<ul id="log"></ul>');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await chat?.close();
  });

  it('bundles the ESM build without Node code, and the app chats with a global-build page', async () => {
    expect(site.modules.some((m) => /client[\\/]dist[\\/].*\.mjs$/.test(m))).toBe(true); // dist/index.mjs and its chunks
    expect(site.modules.filter((m) => /[\\/]node_modules[\\/]ws[\\/]|node\.mjs$|^node:/.test(m))).toEqual([]);

    const ui = await browser.open(`${chat.url}?name=dora`);
    await ui.waitForSelector('#state[data-state="connected"]', { timeout: 30_000 });
    const page = await browser.open(`${site.url}?ws=${encodeURIComponent(chat.wsUrl)}`);
    const state = await page.waitForFunction(() => (window as { appState?: string }).appState, undefined, {
      timeout: 30_000,
      polling: 50,
    });
    expect(await state.jsonValue()).toBe('joined');
    await ui.fill('#message', 'hi bundle 📦');
    await ui.click('#send');
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('#log li')).some((li) => li.textContent === 'dora: hi bundle 📦'),
      undefined,
      { timeout: 30_000, polling: 50 },
    );
    await ui.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#messages li')).some(
          (li) => li.textContent === 'bundlehello from a bundle 🧩',
        ),
      undefined,
      { timeout: 30_000, polling: 50 },
    );
    await browser.screenshot(ui, 'bundle-1-global-page');
    expect(browser.errors).toEqual([]);
  });
});
