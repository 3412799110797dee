// The ESM build as an app bundles it: a rollup bundle (node-resolve with browser conditions + commonjs) of a tiny app
// importing `@nanokit/client`, run in real Chromium against the chat example, next to a page on the global build.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';
import { type Browser, launchChromium } from './chromium.ts';

const entry = fileURLToPath(new URL('./fixtures/bundle-app.mjs', import.meta.url));

async function bundle(): Promise<{ code: string; modules: string[] }> {
  const build = await rollup({
    input: entry,
    plugins: [nodeResolve({ browser: true }), commonjs()],
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await build.generate({ format: 'iife' });
  await build.close();
  return { code: output[0].code, modules: Object.keys(output[0].modules) };
}

describe('rollup bundle of the ESM build in Chromium', () => {
  let chat: ChatServer;
  let browser: Browser;
  let site: Server;
  let siteUrl: string;
  let modules: string[];

  beforeAll(async () => {
    chat = await startChatServer({ port: 0, quiet: true });
    const built = await bundle();
    modules = built.modules;
    const html =
      '<!doctype html><meta charset="utf-8"><title>bundle</title><ul id="log"></ul><script src="/app.js"></script>';
    site = createServer((req, res) => {
      if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(built.code);
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await chat?.close();
  });

  it('bundles the ESM build without Node code, and the app chats with a global-build page', async () => {
    expect(modules.some((m) => /client[\\/]dist[\\/].*\.mjs$/.test(m))).toBe(true); // dist/index.mjs and its chunks
    expect(modules.filter((m) => /[\\/]node_modules[\\/]ws[\\/]|node\.mjs$|^node:/.test(m))).toEqual([]);

    const ui = await browser.open(`${chat.url}?name=dora`);
    await ui.waitForSelector('#state[data-state="connected"]', { timeout: 30_000 });
    const page = await browser.open(`${siteUrl}?ws=${encodeURIComponent(chat.wsUrl)}`);
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
