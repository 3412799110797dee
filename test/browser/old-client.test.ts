// Issue 17 in real Chromium: a page on the deployed web clients' codec (pomelo-protocol 0.1.6's protocol.js from npm,
// ./fixtures/old-client.html) and the chat example's own nanokit page, in one room on the server-lite chat example.
// Emoji go both ways and both pages show the same lines.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';
import { oldProtocolFile } from '../old-clients/old-protocol.ts';
import { type Browser, launchChromium } from './chromium.ts';

const html = readFileSync(new URL('./fixtures/old-client.html', import.meta.url), 'utf8');

/** The texts of a page's chat lines (name + content, as the chat page's textContent reads). */
const lines = (page: Page, selector: string) =>
  page.$$eval(selector, (items) => items.map((li) => li.textContent ?? ''));

async function waitForLine(page: Page, selector: string, text: string) {
  await page.waitForFunction(
    ([s, t]) => Array.from(document.querySelectorAll(s)).some((li) => li.textContent === t),
    [selector, text] as const,
    { timeout: 30_000, polling: 50 },
  );
}

describe('an old web client (pomelo-protocol 0.1.6) and a nanokit page in one chat, in Chromium', () => {
  let chat: ChatServer;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    chat = await startChatServer({ port: 0, quiet: true });
    const protocolJs = readFileSync(oldProtocolFile);
    site = createServer((req, res) => {
      if (req.url === '/protocol.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(protocolJs);
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

  it('emoji both ways, shown identically on both pages', async () => {
    const nano = await browser.open(`${chat.url}?name=nanokit`);
    await nano.waitForSelector('#state[data-state="connected"]', { timeout: 30_000 });
    const old = await browser.open(`${siteUrl}?${new URLSearchParams({ ws: chat.wsUrl, name: 'old' })}`);
    await old.waitForFunction(() => (window as { joined?: boolean }).joined === true, undefined, { timeout: 30_000 });

    const fromOld = 'hi from the old client 😀 🎉 👍🏽 世界 é';
    await old.evaluate((text) => (window as unknown as { say(t: string): void }).say(text), fromOld);
    await waitForLine(nano, '#messages li[data-kind="message"]', `old${fromOld}`);
    await waitForLine(old, '#log li', `old${fromOld}`);
    // The old page really wrote CESU-8: 😀 as ed a0 bd ed b8 80.
    expect((await old.evaluate(() => (window as { sentHex?: string[] }).sentHex ?? [])).join()).toContain(
      'eda0bdedb880',
    );

    const fromNano = 'and back from nanokit 👋 𝄞 漢字 🚀';
    await nano.fill('#message', fromNano);
    await nano.click('#send');
    await waitForLine(old, '#log li', `nanokit${fromNano}`);
    await waitForLine(nano, '#messages li[data-kind="message"]', `nanokit${fromNano}`);

    expect(await lines(old, '#log li')).toEqual([`old${fromOld}`, `nanokit${fromNano}`]);
    expect(await lines(nano, '#messages li[data-kind="message"]')).toEqual([`old${fromOld}`, `nanokit${fromNano}`]);
    await browser.screenshot(old, 'old-client-1-old-page');
    await browser.screenshot(nano, 'old-client-1-nanokit-page');
    expect(browser.errors).toEqual([]);
  });
});
