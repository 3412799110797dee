// The client's state machine at its edges, with fake timers and the fake transport (./fake-transport.ts): listeners
// that call connect() or close() while a connection ends, onReconnect that fails, hangs or calls connect(), throwing
// listeners and transports, and the order of queued notifies.
import { NanoClient } from '@nanokit/client';
import {
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  encodeKick,
  encodePacket,
  MessageType,
  PacketType,
} from '@nanokit/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeConnection, fakeTransport, fakeClient as setup } from './fake-transport.js';
import { expectNothingLeft } from './nothing-left.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Routes of the Data packets the client sent on `conn`, in order. */
const sentRoutes = (conn: FakeConnection) =>
  conn.sent
    .flatMap((bytes) => decodePackets(bytes))
    .filter((p) => p.type === PacketType.Data)
    .map((p) => decodeMessage(p.body).route);

/** Lets the client reconnect on a new fake connection: backoff delay, open, handshake. */
async function reconnect(ft: ReturnType<typeof fakeTransport>, delay = 1000) {
  await vi.advanceTimersByTimeAsync(delay);
  ft.last.open();
  ft.last.handshake(1);
  await vi.advanceTimersByTimeAsync(0);
}

describe('queued notifies', () => {
  it('go out before a notify made while onReconnect runs, in the order they were made', async () => {
    let release = () => {};
    const { ft, client, connect } = setup({
      heartbeat: false,
      onReconnect: () =>
        new Promise<void>((r) => {
          release = r;
        }),
    });
    await connect();
    ft.last.drop();
    client.notify('Chat.First', { n: 1 }); // queued while reconnecting
    await reconnect(ft); // the hook now runs
    client.notify('Chat.Second', { n: 2 });
    expect(sentRoutes(ft.last)).toEqual([]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('open');
    expect(sentRoutes(ft.last)).toEqual(['Chat.First', 'Chat.Second']);
  });

  it('go out before a notify made between the handshake reply and connect() resolving', async () => {
    const { ft, client } = setup({ heartbeat: false });
    const connected = client.connect();
    client.notify('Chat.First', {});
    await vi.advanceTimersByTimeAsync(0);
    client.onPush('onWelcome', () => client.notify('Chat.Second', {}));
    ft.last.open();
    ft.last.handshake(1);
    ft.last.receive(encodeDataPacket({ type: MessageType.Push, route: 'onWelcome', body: '{}' }));
    await connected;
    expect(sentRoutes(ft.last)).toEqual(['Chat.First', 'Chat.Second']);
  });
});

describe('listeners that call connect() while a connection ends', () => {
  it('from disconnect (no reconnect): the new connect() gets its own connection', async () => {
    const { ft, client, connect } = setup({ heartbeat: false, reconnect: false });
    await connect();
    let again: Promise<unknown> | undefined;
    client.once('disconnect', ({ willReconnect }) => {
      if (!willReconnect) again = client.connect();
    });
    ft.last.drop(1006, 'gone');
    expect(client.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(0);
    expect(ft.connections.length).toBe(2);
    ft.last.open();
    ft.last.handshake(1);
    await expect(again).resolves.toMatchObject({ heartbeatMs: 1000 });
    expect(client.state).toBe('open');
    client.close();
    expectNothingLeft(client);
  });

  it('from kick: the kicked connection has ended and the state is settled first', async () => {
    const { ft, client, connect, events } = setup({ heartbeat: false });
    await connect();
    let stateInListener = '';
    let again: Promise<unknown> | undefined;
    client.once('kick', () => {
      stateInListener = client.state;
      again = client.connect();
    });
    ft.last.receive(encodePacket(PacketType.Kick, encodeKick('dup login')));
    expect(stateInListener).toBe('closed');
    expect(events.map(([name]) => name)).toEqual(['connect', 'kick', 'disconnect']);
    await vi.advanceTimersByTimeAsync(0);
    expect(ft.connections.length).toBe(2);
    ft.last.open();
    ft.last.handshake(1);
    await again;
    expect(client.state).toBe('open');
    client.close();
    expectNothingLeft(client);
  });
});

describe('listeners that call close() while a connection opens', () => {
  it('from connect after a reconnect: disconnect is the last event, no reconnect after it', async () => {
    const { ft, client, connect, events } = setup({ heartbeat: false });
    await connect();
    client.once('connect', () => client.close());
    ft.last.drop(1006, 'gone');
    await vi.advanceTimersByTimeAsync(1000); // the first delay (random 0: the full second)
    expect(ft.connections.length).toBe(2);
    ft.last.open();
    ft.last.handshake(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('closed');
    expect(events.map(([name]) => name)).toEqual(['connect', 'disconnect', 'reconnecting', 'connect', 'disconnect']);
    expectNothingLeft(client);
  });
});

describe('listeners that call close() while a connection ends', () => {
  it('from error (a protocol error on an open link): disconnect says it will not reconnect', async () => {
    const { ft, client, connect } = setup();
    await connect();
    const disconnects: { willReconnect: boolean }[] = [];
    client.once('error', () => client.close());
    client.on('disconnect', (d) => disconnects.push(d));
    ft.last.receive(Uint8Array.from([9, 0, 0, 0])); // no such packet type
    expect(client.state).toBe('closed');
    expect(disconnects).toEqual([{ code: 4002, reason: 'protocol-error', willReconnect: false }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ft.connections.length).toBe(1);
    expectNothingLeft(client);
  });
});

/** Whether `target` is reachable from `root` through own properties (closures are not walked). */
function reachable(root: object, target: object): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === target) return true;
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
    else if (!ArrayBuffer.isView(value))
      for (const k of Object.keys(value)) stack.push((value as Record<string, unknown>)[k]);
  }
  return false;
}

describe('a connection that has ended', () => {
  it('is not kept by the client: after close(), and while reconnecting (its transport holds the socket)', async () => {
    const { ft, client, connect } = setup({ heartbeat: false, reconnect: { initialDelay: 1000 } });
    await connect();
    const answer = client.request('Room.Join', {});
    ft.last.receive(encodeDataPacket({ type: MessageType.Response, id: 1, body: '{}' }));
    await answer;
    client.request('Room.Join', {}).catch(() => {}); // pending when the connection drops
    const dropped = ft.last;
    dropped.drop(1006, 'gone');
    expect(client.state).toBe('reconnecting');
    expect(reachable(client, dropped)).toBe(false);
    await reconnect(ft);
    expect(client.state).toBe('open');
    const last = ft.last;
    expect(last).not.toBe(dropped);
    const again = client.request('Room.Join', {});
    last.receive(encodeDataPacket({ type: MessageType.Response, id: 3, body: '{"again":1}' }));
    await expect(again).resolves.toEqual({ again: 1 });
    client.close();
    expect(reachable(client, last)).toBe(false);
    expect(reachable(client, dropped)).toBe(false);
  });
  it('is deaf: what its transport still delivers reaches nothing, and the next connection works', async () => {
    const { ft, client, events, connect } = setup({ heartbeat: false, reconnect: { initialDelay: 1000 } });
    await connect();
    const pushes: unknown[] = [];
    client.on('onChat', (body) => pushes.push(body));
    const answered: unknown[] = [];
    client.request('Chat.Send', {}).then(
      (value) => answered.push(value),
      (error: Error) => answered.push(error.name),
    );
    const old = ft.last;
    old.drop(1006, 'gone');
    await reconnect(ft);
    expect(ft.connections.length).toBe(2);
    const eventsBefore = events.length;
    const sentBefore = old.sent.length;
    // The old transport goes on calling its handlers: a push, the answer to its request, a second open, a close.
    old.receive(encodeDataPacket({ type: MessageType.Push, route: 'onChat', body: '{"from":"old"}' }));
    old.receive(encodeDataPacket({ type: MessageType.Response, id: 1, body: '{"late":true}' }));
    old.open();
    old.closed = undefined;
    old.drop(1000, 'late close');
    await vi.advanceTimersByTimeAsync(0);
    expect(pushes).toEqual([]);
    expect(answered).toEqual(['ConnectionClosedError']);
    expect(old.sent.length).toBe(sentBefore); // no second handshake request
    expect(events.slice(eventsBefore)).toEqual([]);
    expect(client.state).toBe('open');
    ft.last.receive(encodeDataPacket({ type: MessageType.Push, route: 'onChat', body: '{"from":"new"}' }));
    expect(pushes).toEqual([{ from: 'new' }]);
    client.close();
    expectNothingLeft(client);
  });
});

describe('reconnect attempts', () => {
  it('a successful reconnect starts the attempts over at once: a flapping link keeps reconnecting', async () => {
    const { ft, client, connect, events } = setup({
      heartbeat: false,
      reconnect: { maxAttempts: 1, initialDelay: 10 },
    });
    await connect();
    ft.last.drop();
    await reconnect(ft, 10);
    expect(client.state).toBe('open');
    events.length = 0;
    ft.last.drop(); // at once: the reconnect above already reset the count
    expect(client.state).toBe('reconnecting');
    expect(events).toEqual([
      ['disconnect', { code: 1006, reason: '', willReconnect: true }],
      ['reconnecting', { attempt: 1, delay: 10 }],
    ]);
    client.close();
    expectNothingLeft(client);
  });

  it('disconnect is followed by reconnect-failed when the attempts are used up', async () => {
    const { ft, client, connect, events } = setup({
      heartbeat: false,
      reconnect: { maxAttempts: 1, initialDelay: 10 },
    });
    await connect();
    ft.last.drop();
    await vi.advanceTimersByTimeAsync(10);
    events.length = 0;
    ft.last.drop(); // attempt 1 fails before its handshake
    expect(client.state).toBe('closed');
    expect(events).toEqual([
      ['error', expect.objectContaining({ code: 'ERR_CONNECT_FAILED' })],
      [
        'error',
        expect.objectContaining({
          code: 'ERR_CONNECTION_CLOSED',
          reason: 'reconnect-failed',
          cause: expect.objectContaining({ code: 'ERR_CONNECT_FAILED' }),
        }),
      ],
    ]);
    expectNothingLeft(client);
  });

  it('an onReconnect that fails (6 s after the handshake) still uses up an attempt', async () => {
    let hooks = 0;
    const { ft, client, events, connect } = setup({
      heartbeat: false,
      connectTimeout: 60_000,
      reconnect: { maxAttempts: 2, initialDelay: 100 },
      // A re-login whose request times out (nano never answers a failed request).
      onReconnect: () => {
        hooks++;
        return new Promise<void>((_, reject) => setTimeout(() => reject(new Error('login timeout')), 6000));
      },
    });
    await connect();
    ft.last.drop();
    for (let i = 0; i < 5 && client.state === 'reconnecting'; i++) {
      await reconnect(ft);
      await vi.advanceTimersByTimeAsync(6000);
    }
    expect(hooks).toBe(2);
    expect(client.state).toBe('closed');
    expect(events.filter(([name]) => name === 'reconnecting').map(([, e]) => e)).toEqual([
      { attempt: 1, delay: 100 },
      { attempt: 2, delay: 200 },
    ]);
    expectNothingLeft(client);
  });

  it('the connect timeout covers onReconnect: a hook that never settles is retried', async () => {
    const { ft, client, events, connect } = setup({
      heartbeat: false,
      connectTimeout: 5000,
      onReconnect: () => new Promise<void>(() => {}),
    });
    await connect();
    ft.last.drop();
    await reconnect(ft);
    await vi.advanceTimersByTimeAsync(4999);
    expect(ft.last.closed).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(ft.last.closed).toEqual({ code: 4001, reason: 'connect-timeout' });
    expect(client.state).toBe('reconnecting');
    expect(events.filter(([name]) => name === 'reconnecting').length).toBe(2);
    // The attempt that timed out is an `error` event, as any failed attempt is.
    expect(events.filter(([name]) => name === 'error').map(([, error]) => error)).toEqual([
      expect.objectContaining({ code: 'ERR_CONNECT_TIMEOUT', closeCode: 4001, reason: 'connect-timeout' }),
    ]);
    client.close();
    expectNothingLeft(client);
  });

  it('giving up after a hook that never settles names the timeout as its cause', async () => {
    const { ft, client, events, connect } = setup({
      heartbeat: false,
      connectTimeout: 5000,
      reconnect: { maxAttempts: 1, initialDelay: 10 },
      onReconnect: () => new Promise<void>(() => {}),
    });
    await connect();
    ft.last.drop();
    await reconnect(ft);
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.state).toBe('closed');
    const errors = events.filter(([name]) => name === 'error').map(([, error]) => error);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'ERR_CONNECT_TIMEOUT' }),
      expect.objectContaining({
        code: 'ERR_CONNECTION_CLOSED',
        reason: 'reconnect-failed',
        cause: expect.objectContaining({ code: 'ERR_CONNECT_TIMEOUT' }),
      }),
    ]);
    expectNothingLeft(client);
  });

  it('connect() inside onReconnect resolves at once with the new handshake (no deadlock)', async () => {
    const ft = fakeTransport();
    let inHook: unknown;
    const client: NanoClient = new NanoClient({
      url: 'ws://fake',
      transport: ft.factory,
      heartbeat: false,
      env: { random: () => 0 },
      onReconnect: async () => {
        inHook = await client.connect(); // a shared login() helper that connects first
      },
    });
    const first = client.connect();
    await vi.advanceTimersByTimeAsync(0);
    ft.last.open();
    ft.last.handshake(1);
    await first;
    ft.last.drop();
    await reconnect(ft);
    expect(inHook).toMatchObject({ heartbeatMs: 1000 });
    expect(client.state).toBe('open');
    client.close();
    expectNothingLeft(client);
  });

  it('close() while onReconnect awaits its re-login request emits no error', async () => {
    let client: NanoClient | undefined;
    const s = setup({
      heartbeat: false,
      onReconnect: async () => {
        await client?.request('Auth.Login', {});
      },
    });
    client = s.client;
    await s.connect();
    s.ft.last.drop();
    await reconnect(s.ft);
    expect(sentRoutes(s.ft.last)).toEqual(['Auth.Login']);
    s.events.length = 0;
    client.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.events).toEqual([]);
    expectNothingLeft(client);
  });
});

describe('why a reconnect attempt failed', () => {
  it('is an error event: a refused or garbled handshake, a url() that rejects', async () => {
    let calls = 0;
    const url = () => (++calls === 3 ? Promise.reject(new Error('gate: 503')) : 'ws://fake');
    const { ft, client, events, connect } = setup({ url, heartbeat: false, reconnect: { maxAttempts: 3 } });
    await connect();
    events.length = 0;
    ft.last.drop();
    await vi.advanceTimersByTimeAsync(1000);
    ft.last.open();
    ft.last.receive(encodePacket(PacketType.Handshake, new TextEncoder().encode('{"code":501}'))); // refused
    await vi.advanceTimersByTimeAsync(2000); // attempt 2: url() rejects
    await vi.advanceTimersByTimeAsync(4000);
    ft.last.open();
    ft.last.receive(encodePacket(PacketType.Handshake, new TextEncoder().encode('<html>502'))); // not JSON
    await vi.advanceTimersByTimeAsync(0);
    const errors = events.filter(([name]) => name === 'error').map(([, e]) => e as { code: string; message: string });
    expect(errors.map((e) => e.code)).toEqual([
      'ERR_HANDSHAKE_REFUSED',
      'ERR_CONNECT_FAILED',
      'ERR_INVALID_HANDSHAKE',
      'ERR_CONNECTION_CLOSED',
    ]);
    expect(errors[1]?.message).toBe('connect to ? failed: 1006 connect-failed');
    expect(errors[1]).toMatchObject({ cause: { message: 'gate: 503' } });
    // Giving up says what failed last.
    expect(errors[3]).toMatchObject({ reason: 'reconnect-failed', cause: { code: 'ERR_INVALID_HANDSHAKE' } });
    expect(client.state).toBe('closed');
  });
});

describe('what users and hosts throw', () => {
  it('a throwing listener does not stop the other listeners; its error is an error event', async () => {
    const { ft, client, connect, events } = setup({ heartbeat: false, reconnect: false });
    await connect();
    const reached: string[] = [];
    client.on('onChat', () => {
      throw new Error('UI bug 1');
    });
    client.on('onChat', () => reached.push('push 2'));
    client.once('disconnect', () => {
      throw new Error('UI bug 2');
    });
    client.on('disconnect', () => reached.push('disconnect 2'));
    client.on('error', () => {
      throw new Error('error listener bug'); // dropped, not reported again
    });
    ft.last.receive(encodeDataPacket({ type: MessageType.Push, route: 'onChat', body: '{}' }));
    ft.last.drop();
    expect(reached).toEqual(['push 2', 'disconnect 2']);
    const errors = events.filter(([name]) => name === 'error').map(([, e]) => e);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'ERR_LISTENER_THREW', cause: expect.objectContaining({ message: 'UI bug 1' }) }),
      expect.objectContaining({ code: 'ERR_LISTENER_THREW', cause: expect.objectContaining({ message: 'UI bug 2' }) }),
    ]);
  });

  it('off(event, fn) removes the listener it was given, once() listeners included', async () => {
    const { ft, client, connect } = setup({ heartbeat: false });
    await connect();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    client.on('onChat', a);
    client.once('onChat', b);
    client.off('onChat', b);
    ft.last.receive(encodeDataPacket({ type: MessageType.Push, route: 'onChat', body: '{}' }));
    client.off('onChat', a);
    ft.last.receive(encodeDataPacket({ type: MessageType.Push, route: 'onChat', body: '{}' }));
    expect(calls).toEqual(['a']);
  });

  it('a handshake.user that cannot be encoded fails connect() at once, not from the socket callback', async () => {
    const { ft, client } = setup({ handshake: { user: { uid: BigInt(10) } as never } });
    const connected = client.connect();
    await expect(connected).rejects.toMatchObject({ code: 'ERR_CONNECT_FAILED', cause: { message: /BigInt/ } });
    expect(ft.connections.length).toBe(0); // no socket was opened for it
    expect(client.state).toBe('closed');
    expectNothingLeft(client);
  });

  it('a transport whose send() throws fails that request at once and reports the error', async () => {
    const { ft, client, connect, events } = setup({ heartbeat: false });
    await connect();
    ft.last.send = () => {
      throw new Error('host send failed');
    };
    await expect(client.request('Room.Join', {})).rejects.toMatchObject({
      code: 'ERR_CONNECTION_CLOSED',
      reason: 'send-failed',
    });
    expect(events.map(([name]) => name)).toEqual(['connect', 'error']);
    expect(events[1]?.[1]).toMatchObject({ code: 'ERR_SOCKET', cause: { message: 'host send failed' } });
    expect(client.debugStats()).toMatchObject({ pendingRequests: 0, signalListeners: 0 });
  });
});
