// Two real Chromium pages use the chat example (examples/chat) through the built global bundle of @nanokit/client:
// they join, exchange messages with emoji, see each other's pushes, survive a server restart on the same port, and
// chat again. Screenshots go to artifacts/browser/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatServer } from '../../examples/chat/chat-server.mjs';
import { type Browser, launchChromium } from './chromium.ts';

type Chat = Awaited<ReturnType<typeof startChatServer>>;

const waitForState = (page: Page, state: string) =>
  page.waitForSelector(`#state[data-state="${state}"]`, { timeout: 30_000 });

/** Waits until a line with exactly this text content shows up in the page's message list. */
const waitForLine = (page: Page, kind: string, text: string) =>
  page.waitForFunction(
    ([k, t]) =>
      Array.from(document.querySelectorAll(`#messages li[data-kind="${k}"]`)).some((li) => li.textContent === t),
    [kind, text] as const,
    { timeout: 30_000, polling: 50 },
  );

/** Waits for a line starting with `prefix` and returns its text. */
async function waitForLineStarting(page: Page, prefix: string): Promise<string> {
  const handle = await page.waitForFunction(
    (p) =>
      Array.from(document.querySelectorAll('#messages li'))
        .map((li) => li.textContent ?? '')
        .find((t) => t.startsWith(p)),
    prefix,
    { timeout: 30_000, polling: 50 },
  );
  return String(await handle.jsonValue());
}

const lines = (page: Page) =>
  page.$$eval('#messages li', (items) => items.map((li) => `${li.getAttribute('data-kind')}|${li.textContent}`));

async function say(page: Page, text: string) {
  await page.fill('#message', text);
  await page.click('#send');
}

describe('chat example in Chromium', () => {
  let browser: Browser;
  let chat: Chat;

  beforeAll(async () => {
    chat = await startChatServer({ port: 0, quiet: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await chat?.close();
  });

  it('two pages chat with emoji, survive a server restart and chat again', async () => {
    const alice = await browser.open(`${chat.url}?name=alice`);
    await waitForState(alice, 'connected');
    await waitForLine(alice, 'system', 'You are the first one here');

    const bob = await browser.open(`${chat.url}?name=bob`);
    await waitForState(bob, 'connected');
    // The joiner learns who is already here (onMembers), the others learn about the joiner (onNewUser).
    const members = await waitForLineStarting(bob, 'Already here: ');
    const newUser = await waitForLineStarting(alice, 'New user: ');
    const aliceId = members.slice('Already here: '.length);
    const bobId = newUser.slice('New user: '.length);
    expect(aliceId).toMatch(/^\d+$/);
    expect(bobId).toMatch(/^\d+$/);
    expect(bobId).not.toBe(aliceId);

    const fromAlice = 'hello from alice 👋🎉 (family: 👨‍👩‍👧, flag: 🇫🇷)';
    const fromBob = 'hi alice ✨ 𝄞 日本語 — ça va?';
    await say(alice, fromAlice);
    await waitForLine(bob, 'message', `alice${fromAlice}`);
    await waitForLine(alice, 'message', `alice${fromAlice}`);
    await say(bob, fromBob);
    await waitForLine(alice, 'message', `bob${fromBob}`);
    await waitForLine(bob, 'message', `bob${fromBob}`);
    await browser.screenshot(alice, 'chat-1-alice');
    await browser.screenshot(bob, 'chat-1-bob');

    // Restart the server on the same port: both pages show the lost connection, reconnect and join again.
    const port = chat.port;
    await chat.close();
    await Promise.all([waitForState(alice, 'reconnecting'), waitForState(bob, 'reconnecting')]);
    await browser.screenshot(alice, 'chat-2-alice-reconnecting');
    chat = await startChatServer({ port, quiet: true });
    await Promise.all([
      waitForLine(alice, 'system', 'Reconnected and joined again'),
      waitForLine(bob, 'system', 'Reconnected and joined again'),
    ]);
    await Promise.all([waitForState(alice, 'connected'), waitForState(bob, 'connected')]);

    const again = 'back again 🔁🚀';
    await say(bob, again);
    await waitForLine(alice, 'message', `bob${again}`);
    await say(alice, `${again} 🙌`);
    await waitForLine(bob, 'message', `alice${again} 🙌`);
    await browser.screenshot(alice, 'chat-3-alice-after-restart');
    await browser.screenshot(bob, 'chat-3-bob-after-restart');

    // Every message arrived exactly once on each page, in order.
    for (const page of [alice, bob]) {
      const messages = (await lines(page)).filter((l) => l.startsWith('message|'));
      expect(messages).toEqual([
        `message|alice${fromAlice}`,
        `message|bob${fromBob}`,
        `message|bob${again}`,
        `message|alice${again} 🙌`,
      ]);
    }
    expect(browser.errors).toEqual([]);
  });

  it('a page kicked by a graceful shutdown ("server shutdown") keeps retrying and rejoins', async () => {
    const carol = await browser.open(`${chat.url}?name=carol`);
    await waitForState(carol, 'connected');
    const port = chat.port;
    await chat.close({ graceful: true });
    await waitForLine(carol, 'system', 'Kicked by the server: server shutdown');
    await waitForState(carol, 'reconnecting');
    await browser.screenshot(carol, 'chat-4-carol-kicked');
    chat = await startChatServer({ port, quiet: true });
    await carol.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#messages li')).filter((li) => li.textContent === 'Joined the room')
          .length === 2,
      undefined,
      { timeout: 30_000, polling: 50 },
    );
    await waitForState(carol, 'connected');
    await say(carol, 'still here 🧷');
    await waitForLine(carol, 'message', 'carolstill here 🧷');
    await browser.screenshot(carol, 'chat-5-carol-back');
    expect(browser.errors).toEqual([]);
  });
});
