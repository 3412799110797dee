// Diagnosis in real Chromium (the ESM build bundled as an app would): a browser cannot tell why a WebSocket failed to
// connect, so a closed port and an HTTP 404 to the upgrade both give ERR_CONNECT_FAILED with closeCode 1006 and the
// error Event as cause (what docs/errors.md says browsers get); an error nobody listens to reaches the console; the
// debug trace from @nanokit/client/debug decodes the packets.
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Peer } from '../../packages/client/test/peer.ts';
import { type BundleSite, serveBundle } from './bundle-site.ts';
import { type Browser, launchChromium } from './chromium.ts';

const entry = fileURLToPath(new URL('./fixtures/diagnosis-app.mjs', import.meta.url));

describe('diagnosis in Chromium', () => {
  let peer: Peer;
  let browser: Browser;
  let site: BundleSite;
  let http404: Server;
  let closedPort: number;

  beforeAll(async () => {
    peer = await Peer.start();
    peer.on('Echo.Echo', (body) => body);
    peer.on('Push.Me', (_body, conn) => {
      conn.push('onChat', { text: 'hello' });
      return { ok: true };
    });
    http404 = createServer((_req, res) => res.writeHead(404).end('no such path'));
    await new Promise<void>((resolve) => http404.listen(0, '127.0.0.1', resolve));
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    site = await serveBundle(entry);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await new Promise<void>((resolve) => (http404 ? http404.close(() => resolve()) : resolve()));
    await peer?.close();
  });

  it('connect failures are ERR_CONNECT_FAILED (1006, an Event as cause); the trace decodes; unhandled errors are logged', async () => {
    const query = new URLSearchParams({
      closed: `ws://127.0.0.1:${closedPort}/`,
      http404: `ws://127.0.0.1:${(http404.address() as { port: number }).port}/wrong`,
      ws: peer.wsUrl,
    });
    const page = await browser.open(`${site.url}?${query}`);
    const result = (await (
      await page.waitForFunction(() => (window as { result?: unknown }).result, undefined, {
        timeout: 30_000,
        polling: 50,
      })
    ).jsonValue()) as Record<string, unknown>;
    const browserFailure = {
      name: 'ConnectError',
      code: 'ERR_CONNECT_FAILED',
      closeCode: 1006,
      cause: '[object Event]',
    };
    expect(result.refused).toMatchObject(browserFailure);
    expect(result.notFound).toMatchObject(browserFailure);
    expect(result.trace).toEqual([
      `nanokit #1 connecting ${peer.wsUrl}`,
      'nanokit #1 open',
      expect.stringMatching(/^nanokit #1 → Handshake \d+ B$/),
      expect.stringMatching(/^nanokit #1 ← Handshake \d+ B code 200 heartbeat 30000 ms$/),
      'nanokit #1 → HandshakeAck 0 B',
      'nanokit #1 → Request #1 Echo.Echo 13 B',
      'nanokit #1 ← Response #1 Echo.Echo 13 B',
      'nanokit #1 → Request #2 Push.Me 2 B',
      'nanokit #1 ← Push onChat 16 B',
      'nanokit #1 ← Response #2 Push.Me 11 B',
      'nanokit #1 close 1000 client-close (by the client)',
      'nanokit #1 closed 1000 client-close',
    ]);
    // Chromium logs the two refused sockets itself; the client logs the push listener's throw.
    expect(browser.consoleErrors.some((line) => line.startsWith('nanokit: unhandled error'))).toBe(true);
    expect(browser.errors).toEqual([]);
  });
});
