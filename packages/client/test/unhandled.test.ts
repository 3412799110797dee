// Errors nobody listens to are never silent, over real sockets: `console.error` once per distinct cause with a hint
// (the default), or thrown on a fresh stack with `unhandledErrors: 'throw'`; never thrown out of a socket callback.
import { isNanoError, NanoClient, type NanoClientOptions, NanoError } from '@nanokit/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { NanoClient as BrowserNanoClient } from '../src/client.js';
import { webSocketTransport } from '../src/transports/websocket.js';
import { unhandledReporter } from '../src/unhandled.js';
import { Peer } from './peer.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  vi.restoreAllMocks();
});

async function peer(): Promise<Peer> {
  const p = await Peer.start();
  cleanups.push(() => p.close());
  p.on('Echo.Echo', (body) => body);
  return p;
}

function client(options: NanoClientOptions): NanoClient {
  const c = new NanoClient(options);
  cleanups.push(() => c.close());
  return c;
}

describe('with no error listener', () => {
  it('a push handler that throws is logged with console.error once per distinct cause, with a hint', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await peer();
    const c = client({ url: p.wsUrl, reconnect: false });
    await c.connect();
    let n = 0;
    c.on('onChat', () => {
      n++;
      throw new Error(n === 3 ? 'another bug' : 'UI bug');
    });
    for (let i = 0; i < 3; i++) p.connection.push('onChat', { i });
    // The socket callback did not throw: the connection works on.
    expect(await c.request('Echo.Echo', { ok: 1 })).toEqual({ ok: 1 });
    expect(n).toBe(3);
    const logged = log.mock.calls;
    expect(logged).toHaveLength(2); // 'UI bug' once, 'another bug' once
    expect(logged[0]?.[0]).toMatch(/unhandled client error.*client\.on\('error'/);
    const [first, second] = logged.map((args) => args[1]);
    expect(isNanoError(first, 'ERR_LISTENER_THREW')).toBe(true);
    expect(first).toMatchObject({ cause: { message: 'UI bug' } });
    expect(second).toMatchObject({ cause: { message: 'another bug' } });
  });

  it('a server that stays down: one line for all the failed reconnect attempts', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await peer();
    const c = client({ url: p.wsUrl, reconnect: { initialDelay: 5, maxDelay: 5 } });
    await c.connect();
    const attempts: number[] = [];
    c.on('reconnecting', ({ attempt }) => attempts.push(attempt));
    await p.kill();
    await vi.waitFor(() => expect(attempts.length).toBeGreaterThanOrEqual(5), { timeout: 5000, interval: 5 });
    c.close();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[1]).toMatchObject({ code: 'ERR_CONNECT_REFUSED' });
  });

  it('with an error listener, nothing is logged', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await peer();
    const c = client({ url: p.wsUrl, reconnect: false });
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    c.on('onChat', () => {
      throw new Error('UI bug');
    });
    p.connection.push('onChat', {});
    expect(await c.request('Echo.Echo', {})).toEqual({});
    expect(errors).toHaveLength(1);
    expect(log).not.toHaveBeenCalled();
  });
});

describe("unhandledErrors: 'throw'", () => {
  it('rethrows on a fresh stack (a timer), never from inside the socket callback', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await peer();
    const deferred: (() => void)[] = [];
    const c = client({
      url: p.wsUrl,
      reconnect: false,
      unhandledErrors: 'throw',
      // The host's timers, so that the test holds the thrower instead of the process getting it.
      env: {
        setTimeout: (fn, ms) => (ms === 0 ? deferred.push(fn) : setTimeout(fn, ms)),
        clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
      },
    });
    await c.connect();
    c.on('onChat', () => {
      throw new Error('UI bug');
    });
    p.connection.push('onChat', {});
    expect(await c.request('Echo.Echo', { ok: 1 })).toEqual({ ok: 1 }); // the socket callback returned normally
    expect(deferred).toHaveLength(1);
    expect(() => deferred[0]?.()).toThrow(expect.objectContaining({ code: 'ERR_LISTENER_THREW' }));
    expect(log).not.toHaveBeenCalled();
  });
});

describe('the browser entry', () => {
  it('logs every unhandled error with console.error (no Node code in that bundle)', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = await peer();
    // The browser entry's client over a real socket (the `ws` constructor stands in for the browser's WebSocket).
    const c = new BrowserNanoClient({ url: p.wsUrl, reconnect: false, transport: webSocketTransport(WebSocket) });
    cleanups.push(() => c.close());
    await c.connect();
    c.on('onChat', () => {
      throw new Error('UI bug');
    });
    p.connection.push('onChat', {});
    p.connection.push('onChat', {});
    expect(await c.request('Echo.Echo', {})).toEqual({});
    expect(log).toHaveBeenCalledTimes(2);
    expect(log.mock.calls[0]?.[1]).toMatchObject({ code: 'ERR_LISTENER_THREW', cause: { message: 'UI bug' } });
  });
});

describe('the Node reporter', () => {
  const never = () => {
    throw new Error('not deferred in log mode');
  };

  it('after a flood of distinct causes it starts over once, then shows each cause once again', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const report = unhandledReporter('log', never);
    for (let i = 0; i < 150; i++) report(new Error(`cause ${i}`));
    expect(log).toHaveBeenCalledTimes(150);
    log.mockClear();
    for (let i = 0; i < 10; i++) {
      report(new Error('A'));
      report(new Error('B'));
    }
    expect(log.mock.calls.map((args) => (args[1] as Error).message)).toEqual(['A', 'B']);
  });

  it('tells thrown values that are not errors apart, and errors by their cause', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const report = unhandledReporter('log', never);
    for (const value of ['x', 'y', 'x', 42, 42, Symbol.for('s'), undefined, undefined]) report(value);
    const wrapped = (cause: unknown) => new NanoError('ERR_LISTENER_THREW', 'a listener threw', { cause });
    for (const cause of ['x', 'y', new Error('z'), 'x']) report(wrapped(cause));
    expect(log.mock.calls.map((args) => args[1])).toEqual([
      'x',
      'y',
      42,
      Symbol.for('s'),
      undefined,
      wrapped('x'),
      wrapped('y'),
      wrapped(new Error('z')),
    ]);
  });
});
