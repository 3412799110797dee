// pitaya's default compression in real Chromium: the ESM build with `@nanokit/client/inflate` (fflate), bundled as an
// app would (rollup, browser conditions), reads a zlib handshake reply and zlib flag-0x10 responses, pushes and error
// responses from a loopback server that compresses as pitaya does (packages/client/test/peer.ts, `pitaya`).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Peer, PeerError } from '../../packages/client/test/peer.ts';
import { type BundleSite, serveBundle } from './bundle-site.ts';
import { type Browser, launchChromium } from './chromium.ts';

const entry = fileURLToPath(new URL('./fixtures/inflate-app.mjs', import.meta.url));
const TEXT = 'héllo 😀 世界, the same words again and again. '.repeat(40);
const DICT = { 'Echo.Echo': 1, 'Push.Me': 2, 'Fail.Fail': 3, onMessage: 4, onJoin: 5, onLeave: 6, 'room.members': 7 };

describe('pitaya compression in Chromium, with @nanokit/client/inflate', () => {
  let peer: Peer;
  let browser: Browser;
  let site: BundleSite;

  beforeAll(async () => {
    peer = await Peer.start({ pitaya: {}, dict: DICT });
    peer.on('Echo.Echo', (body) => body);
    peer.on('Push.Me', (_body, conn) => {
      conn.push('onMessage', { text: TEXT, from: 'server' });
      return { ok: true };
    });
    peer.on('Fail.Fail', () => {
      throw new PeerError('PIT-418', `teapot: ${'short and stout, '.repeat(10)}`);
    });
    site = await serveBundle(entry);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await peer?.close();
  });

  async function run(query: Record<string, string>) {
    const page = await browser.open(`${site.url}?${new URLSearchParams({ ws: peer.wsUrl, ...query })}`);
    const result = await page.waitForFunction(() => (window as { result?: unknown }).result, undefined, {
      timeout: 30_000,
      polling: 50,
    });
    return result.jsonValue();
  }

  it('bundles fflate for the inflate entry and no Node code', () => {
    expect(site.modules.some((m) => /[\\/]node_modules[\\/]fflate[\\/]esm[\\/]browser\.js$/.test(m))).toBe(true);
    expect(site.modules.some((m) => /client[\\/]dist[\\/]inflate\.mjs$/.test(m))).toBe(true);
    expect(site.modules.filter((m) => /[\\/]node_modules[\\/]ws[\\/]|node\.mjs$|^node:/.test(m))).toEqual([]);
  });

  it('decodes the zlib handshake reply and zlib 0x10 response, push and error response', async () => {
    const compressedBefore = [...peer.connections].length;
    expect(compressedBefore).toBe(0);
    const result = await run({ text: TEXT });
    expect(result).toEqual({
      heartbeat: 30,
      code: 4,
      echo: { text: TEXT },
      push: { text: TEXT, from: 'server' },
      error: 'PIT-418',
      formats: ['zlib', 'zlib', 'zlib', 'zlib'],
    });
    expect(browser.errors).toEqual([]);
  });

  it('without the inflate option the same build cannot read the handshake: ERR_COMPRESSED_HANDSHAKE', async () => {
    expect(await run({ inflate: '0', text: 'x' })).toEqual({
      failed: 'ERR_COMPRESSED_HANDSHAKE: handshake: zlib body: pass the inflate option',
    });
  });
});
