// Retrying the first connect() (reconnect.firstConnect) and the backoff starting over after a successful reconnect,
// against a real peer that is down, comes up, and restarts (ws on 127.0.0.1).
import { type ClientEvents, NanoClient, type NanoClientOptions } from '@nanokit/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectNothingLeft } from './nothing-left.js';
import { Peer } from './peer.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function peer(): Promise<Peer> {
  const p = await Peer.start();
  cleanups.push(() => p.close());
  p.on('Echo.Echo', (body) => body);
  return p;
}

/** A client recording its events; jitter off (`random: () => 0`), so delays are exact. */
function client(options: Partial<NanoClientOptions> & { url: string }) {
  const c = new NanoClient({ env: { random: () => 0 }, ...options });
  cleanups.push(() => c.close());
  const events: [keyof ClientEvents, unknown][] = [];
  for (const name of ['connect', 'disconnect', 'reconnecting', 'reconnect', 'error'] as const) {
    c.on(name, (arg: unknown) => events.push([name, arg]));
  }
  return { c, events };
}

const named = (events: [string, unknown][], name: string) => events.filter(([n]) => n === name).map(([, e]) => e);

describe('reconnect.firstConnect', () => {
  it('retries the first connect() with the backoff until the server is up', async () => {
    const p = await peer();
    await p.kill(); // down when the client starts
    const onReconnect = vi.fn();
    const { c, events } = client({
      url: p.wsUrl,
      reconnect: { firstConnect: true, initialDelay: 20, maxDelay: 20 },
      onReconnect,
    });
    const connected = c.connect();
    await vi.waitFor(() => expect(named(events, 'reconnecting').length).toBeGreaterThanOrEqual(2), {
      timeout: 5000,
      interval: 5,
    });
    expect(c.state).toBe('connecting');
    await p.restart();
    const hs = await connected;
    expect(hs).toBe(c.handshake);
    expect(c.state).toBe('open');
    // Each failed attempt said why; no session existed, so no onReconnect and no `reconnect` event.
    const errors = named(events, 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const error of errors) expect(error).toMatchObject({ code: 'ERR_CONNECT_REFUSED' });
    expect(named(events, 'reconnecting')[0]).toEqual({ attempt: 1, delay: 20 });
    expect(onReconnect).not.toHaveBeenCalled();
    expect(named(events, 'reconnect')).toEqual([]);
    expect(named(events, 'connect')).toHaveLength(1);
    expect(await c.request('Echo.Echo', { ok: 1 })).toEqual({ ok: 1 });
  });

  it('rejects when maxAttempts are used up, with the last failure as cause', async () => {
    const p = await peer();
    await p.kill();
    const { c, events } = client({
      url: p.wsUrl,
      reconnect: { firstConnect: true, initialDelay: 5, maxAttempts: 2 },
    });
    const error = await c.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_CONNECTION_CLOSED',
      reason: 'reconnect-failed',
      cause: { code: 'ERR_CONNECT_REFUSED' },
    });
    expect(c.state).toBe('closed');
    expect(named(events, 'reconnecting')).toEqual([
      { attempt: 1, delay: 5 },
      { attempt: 2, delay: 10 },
    ]);
    // The first try and 2 retries each said why; giving up is the rejection, not another event.
    expect(named(events, 'error')).toHaveLength(3);
    expectNothingLeft(c);
  });

  it('is off by default: the first connect() rejects at once', async () => {
    const p = await peer();
    await p.kill();
    const { c, events } = client({ url: p.wsUrl, reconnect: { initialDelay: 5 } });
    await expect(c.connect()).rejects.toMatchObject({ code: 'ERR_CONNECT_REFUSED' });
    expect(events).toEqual([]);
    expect(c.state).toBe('closed');
  });
});

describe('backoff after a successful reconnect', () => {
  it('starts over at once: a server that restarts twice in a row gets attempt 1 again, not attempt 3', async () => {
    const p = await peer();
    const { c, events } = client({ url: p.wsUrl, reconnect: { initialDelay: 50, maxDelay: 10_000 } });
    await c.connect();
    // First restart: down long enough for attempt 1 to fail, so the reconnect happens on attempt 2 (100 ms).
    await p.kill();
    await vi.waitFor(() => expect(named(events, 'reconnecting')).toHaveLength(2), { timeout: 5000, interval: 2 });
    await p.restart();
    await vi.waitFor(() => expect(named(events, 'reconnect')).toHaveLength(1), { timeout: 5000, interval: 2 });
    // Second restart right after the reconnect (well within the old 5 s minUptime).
    await p.kill();
    await vi.waitFor(() => expect(named(events, 'reconnecting')).toHaveLength(3), { timeout: 5000, interval: 2 });
    expect(named(events, 'reconnecting')).toEqual([
      { attempt: 1, delay: 50 },
      { attempt: 2, delay: 100 },
      { attempt: 1, delay: 50 },
    ]);
    await p.restart();
    await vi.waitFor(() => expect(named(events, 'reconnect')).toHaveLength(2), { timeout: 5000, interval: 2 });
    expect(c.state).toBe('open');
  });
});
