// pomelo-protobuf and the handshake cache in real Chromium against the real pinus 1.7.4 cluster (test/pinus): the
// app bundles `@nanokit/protocol/pomelo-protobuf` as a bundler user would, takes the protos from the handshake, and
// keeps dictionary and protos in localStorage, so the second page load's handshake is answered without them.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PinusCluster, startPinusCluster } from '../pinus/cluster.ts';
import { type BundleSite, serveBundle } from './bundle-site.ts';
import { type Browser, launchChromium } from './chromium.ts';

const entry = fileURLToPath(new URL('./fixtures/pomelo-app.mjs', import.meta.url));

describe('pomelo-protobuf and a localStorage handshake cache in Chromium, against pinus', () => {
  let cluster: PinusCluster;
  let browser: Browser;
  let site: BundleSite;

  beforeAll(async () => {
    cluster = await startPinusCluster({ heartbeat: 30 });
    site = await serveBundle(entry);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cluster?.stop();
  });

  async function run(uid: string) {
    const page = await browser.open(`${site.url}?${new URLSearchParams({ ws: cluster.wsUrl, uid })}`);
    const result = await page.waitForFunction(() => (window as { result?: unknown }).result, undefined, {
      timeout: 30_000,
      polling: 50,
    });
    const value = await result.jsonValue();
    await page.close();
    return value as Record<string, unknown>;
  }

  it('bundles the pomelo-protobuf entry and no Node code', () => {
    expect(site.modules.some((m) => /protocol[\\/]dist[\\/]pomelo-protobuf\.mjs$/.test(m))).toBe(true);
    expect(site.modules.filter((m) => /[\\/]node_modules[\\/]ws[\\/]|node\.mjs$|^node:/.test(m))).toEqual([]);
  });

  it('first load: full handshake, protobuf request, response and push; second load: the cache fills what pinus left out', async () => {
    const expected = {
      response: { code: 200, echo: 'héllo 😀', n: -3, nums: [1, 300] },
      push: { text: 'héllo 😀', nums: [1, 300], n: -3, path: [{ x: 1.5, y: -2 }] },
    };
    const first = await run('browser-1');
    expect(first).toMatchObject({ storedBefore: false, replyHadDict: true, replyHadProtos: true, ...expected });
    expect(first['push']).toEqual({ from: 'browser-1', ...expected.push });
    const second = await run('browser-2');
    expect(second).toMatchObject({ storedBefore: true, replyHadDict: false, replyHadProtos: false, ...expected });
    expect(second['dictCode']).toBe(first['dictCode']);
    expect(second['push']).toEqual({ from: 'browser-2', ...expected.push });
    expect(browser.errors).toEqual([]);
  });
});
