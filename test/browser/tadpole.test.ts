// Two real Chromium pages swim in the tadpole pond (examples/tadpole) through the built global bundle of
// @nanokit/client: each sees the other appear and follow its moves (read from the page's state, window.tadpole),
// gets its chat bubble, sees it again after a server restart, and sees it vanish when its page closes. Then 50 bots
// swim at 10 updates/s while a page's frame rate is measured with requestAnimationFrame (reported, not asserted).
// Screenshots go to artifacts/browser/.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTadpoleBots } from '../../examples/bots/tadpole.mjs';
import { startTadpoleServer, type TadpoleServer } from '../../examples/tadpole/tadpole-server.mjs';
import type { PondSnapshot } from '../../examples/tadpole/web/pond.js';
import { artifactsDir, type Browser, launchChromium } from './chromium.ts';

type Snapshot = PondSnapshot & { state: string; entered: number; sent: number; fps: number };

const snapshot = (page: Page) =>
  page.evaluate(() => (window as unknown as { tadpole: { snapshot(): Snapshot } }).tadpole.snapshot());

/** Waits until `check` holds for the page's state; returns that state. */
async function waitFor(page: Page, check: (s: Snapshot) => boolean, what: string): Promise<Snapshot> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await snapshot(page);
    if (check(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const other = (s: Snapshot, key: string | undefined) => s.others.find((o) => o.key === key);
const connected = (page: Page) => waitFor(page, (s) => s.state === 'connected' && s.me.key !== undefined, 'connected');

/** Waits until our tadpole has stopped (its momentum has decayed to 0; its page's frames may stall meanwhile). */
const settled = (page: Page) => waitFor(page, (s) => s.me.momentum === 0, 'our tadpole to stop');

/** Waits until where `watcher` draws `mover` agrees with where `mover` is, once `mover` is still. */
async function agree(watcher: Page, mover: Page) {
  const m = await settled(mover);
  await waitFor(
    watcher,
    (s) => {
      const o = other(s, m.me.key);
      return o !== undefined && Math.abs(o.x - m.me.x) < 0.02 && Math.abs(o.y - m.me.y) < 0.02;
    },
    `the other page to show ${m.me.key} at ${m.me.x}, ${m.me.y}`,
  );
}

describe('tadpole example in Chromium', () => {
  let browser: Browser;
  let pond: TadpoleServer;

  beforeAll(async () => {
    pond = await startTadpoleServer({ port: 0, quiet: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await pond?.close();
  });

  it('two pages see each other appear, move, talk, come back after a restart and vanish on close', async () => {
    const alice = await browser.open(`${pond.url}?name=alice`);
    const bob = await browser.open(`${pond.url}?name=bob`);
    const a0 = await connected(alice);
    const b0 = await connected(bob);
    expect(a0.me.key).toMatch(/^\d{19}$/); // a snowflake id above 2^53, kept exact
    expect(b0.me.key).not.toBe(a0.me.key);
    // Each appears on the other's page (its first update goes out as soon as it entered).
    await waitFor(alice, (s) => other(s, b0.me.key)?.name === 'bob', 'bob on alice’s page');
    await waitFor(bob, (s) => other(s, a0.me.key)?.name === 'alice', 'alice on bob’s page');

    // Alice follows the pointer to the right, then the pointer rests on her and she stops.
    await alice.mouse.move(450 + 160, 320 + 40);
    // While she swims, bob's page draws her between the positions she sent on most frames: interpolated, not one
    // jump per update. (Counted in frames, not time: a busy machine slows the frames, not the proportion.)
    const trace = await bob.evaluate(
      (key) =>
        new Promise<{ frames: number; between: number; distinct: number; updates: number }>((resolve) => {
          type Other = { x: number; snapshots: { x: number }[] };
          const t = (window as unknown as { tadpole: { pond: { others: Map<string, Other> } } }).tadpole;
          const drawn: number[] = [];
          const sent = new Set<number>();
          const frame = () => {
            const o = t.pond.others.get(key);
            if (o) {
              drawn.push(o.x);
              for (const snapshot of o.snapshots) sent.add(snapshot.x);
            }
            if (drawn.length < 45) requestAnimationFrame(frame);
            else {
              const between = drawn.filter((x) => !sent.has(x)).length;
              resolve({ frames: drawn.length, between, distinct: new Set(drawn).size, updates: sent.size });
            }
          };
          requestAnimationFrame(frame);
        }),
      a0.me.key!,
    );
    console.log(
      `bob drew alice on ${trace.frames} frames: ${trace.between} between two updates, ${trace.distinct} distinct x, from ${trace.updates} updates`,
    );
    expect(trace.between).toBeGreaterThan(trace.frames / 2);
    await waitFor(alice, (s) => s.me.x - a0.me.x > 60, 'alice to swim 60 px');
    await alice.mouse.move(450, 320);
    await agree(bob, alice);

    // Bob steers with the arrow keys (his pointer never entered his page: without keys he drifts to a stop).
    await bob.keyboard.down('ArrowDown');
    await waitFor(bob, (s) => s.me.y - b0.me.y > 40, 'bob to swim 40 px down');
    await bob.keyboard.up('ArrowDown');
    await agree(alice, bob);

    // Chat: a bubble over the speaker on both pages.
    await alice.fill('#say', 'hello pond 🐸');
    await alice.press('#say', 'Enter');
    await waitFor(bob, (s) => other(s, a0.me.key)?.bubble === 'hello pond 🐸', 'alice’s bubble on bob’s page');
    await waitFor(alice, (s) => s.me.bubble === 'hello pond 🐸', 'alice’s own bubble');
    await bob.fill('#say', 'hi alice 👋');
    await bob.press('#say', 'Enter');
    await waitFor(alice, (s) => other(s, b0.me.key)?.bubble === 'hi alice 👋', 'bob’s bubble on alice’s page');
    await waitFor(alice, (s) => s.players === 2 && s.updatesPerSecond > 0, 'the counters');
    expect(await alice.textContent('#players')).toBe('2');
    await browser.screenshot(alice, 'tadpole-1-alice');
    await browser.screenshot(bob, 'tadpole-1-bob');

    // Restart the server on the same port: both pages reconnect, log in and enter again, and see each other.
    const port = pond.port;
    await pond.close();
    await Promise.all([
      waitFor(alice, (s) => s.state === 'reconnecting', 'alice reconnecting'),
      waitFor(bob, (s) => s.state === 'reconnecting', 'bob reconnecting'),
    ]);
    await browser.screenshot(alice, 'tadpole-2-alice-reconnecting');
    pond = await startTadpoleServer({ port, quiet: true });
    const a1 = await waitFor(alice, (s) => s.state === 'connected' && s.entered === 2, 'alice back');
    const b1 = await waitFor(bob, (s) => s.state === 'connected' && s.entered === 2, 'bob back');
    expect(a1.me.key).not.toBe(a0.me.key); // a new session, a new id
    await waitFor(alice, (s) => other(s, b1.me.key)?.name === 'bob', 'bob again on alice’s page');
    await waitFor(bob, (s) => other(s, a1.me.key)?.name === 'alice', 'alice again on bob’s page');
    await alice.mouse.move(450 - 120, 320);
    await new Promise((r) => setTimeout(r, 400));
    await alice.mouse.move(450, 320);
    await agree(bob, alice);
    await browser.screenshot(bob, 'tadpole-3-bob-after-restart');

    // Bob closes his page: alice sees him vanish (the server pushes `leave`).
    await bob.close();
    await waitFor(alice, (s) => s.others.length === 0 && s.players === 1, 'bob gone from alice’s page');
    await browser.screenshot(alice, 'tadpole-4-alice-alone');
    await alice.close();
    expect(browser.errors).toEqual([]);
  });

  it('50 bots at 10 updates/s: the page draws them all; its frame rate is measured and reported', async () => {
    const bots = await startTadpoleBots({ count: 50, rate: 10, wsUrl: pond.wsUrl });
    try {
      const page = await browser.open(`${pond.url}?name=watcher`);
      await waitFor(page, (s) => s.state === 'connected' && s.others.length >= 50, '50 bots on the page');
      // Frame times from requestAnimationFrame over 3 s, in the page.
      const frames = await page.evaluate(
        () =>
          new Promise<number[]>((resolve) => {
            const times: number[] = [];
            const frame = (t: number) => {
              times.push(t);
              if (t - times[0]! < 3000) requestAnimationFrame(frame);
              else resolve(times);
            };
            requestAnimationFrame(frame);
          }),
      );
      const s = await snapshot(page);
      await browser.screenshot(page, 'tadpole-5-fifty-bots');
      const gaps = frames.slice(1).map((t, i) => t - frames[i]!);
      gaps.sort((x, y) => x - y);
      const report = {
        bots: 50,
        rate: 10,
        fps: Number((((frames.length - 1) * 1000) / (frames.at(-1)! - frames[0]!)).toFixed(1)),
        frameMsMedian: Number(gaps[Math.floor(gaps.length / 2)]!.toFixed(1)),
        frameMsP95: Number(gaps[Math.floor(gaps.length * 0.95)]!.toFixed(1)),
        frameMsMax: Number(gaps.at(-1)!.toFixed(1)),
        updatesPerSecondSeen: s.updatesPerSecond,
        players: s.players,
        botUpdatesSent: bots.sent(),
      };
      console.log(`tadpole fps with 50 bots: ${JSON.stringify(report)}`);
      writeFileSync(path.join(artifactsDir, 'tadpole-fps.json'), `${JSON.stringify(report, null, 2)}\n`);
      expect(s.players).toBeGreaterThanOrEqual(51);
      expect(frames.length).toBeGreaterThan(1);
      await page.close();
    } finally {
      await bots.stop();
    }
    expect(browser.errors).toEqual([]);
  });
});
