// Importing the client has no side effects: no globals written, no timers, no sockets, no host API touched.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectNothingLeft } from './nothing-left.js';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('side-effect-free import', () => {
  it('the browser and Node entries add no globals, start no timers and touch no host API', async () => {
    vi.useFakeTimers();
    // Host APIs that must not be read at import time: any access throws.
    const trap = new Proxy(
      {},
      {
        get(_, key) {
          throw new Error(`host API touched at import: ${String(key)}`);
        },
      },
    );
    vi.stubGlobal('wx', trap);
    vi.stubGlobal('egret', trap);
    vi.stubGlobal('my', trap);
    vi.stubGlobal('WebSocket', trap);
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    vi.resetModules();
    const browser = await import('../src/index.js');
    const node = await import('../src/node.js');
    const added = Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k));
    expect(added).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(typeof browser.NanoClient).toBe('function');
    expect(typeof node.tcpTransport).toBe('function');
  });

  it('creating a client opens nothing and starts no timer until connect()', async () => {
    vi.useFakeTimers();
    const { NanoClient } = await import('../src/index.js');
    const factory = vi.fn();
    const client = new NanoClient({ url: 'ws://127.0.0.1:1/nano', transport: factory });
    expect(factory).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    expect(client.state).toBe('idle');
    expectNothingLeft(client);
  });
});
