// Integration tests over real sockets on 127.0.0.1 (port 0) against the raw protocol peer in ./peer.ts.
// No timing assertions: waits are event-driven and bounded by the test timeout.
import { setMaxListeners } from 'node:events';
import {
  type ClientEvents,
  ConnectionClosedError,
  HandshakeError,
  isNanoError,
  MAX_REQUEST_ID,
  NanoClient,
  type NanoClientOptions,
  RequestAbortedError,
  RequestTimeoutError,
  ServerError,
} from '@nanokit/client';
import { tcpTransport } from '@nanokit/client/node';
import { jsonSerializer, MessageType, type Serializer } from '@nanokit/protocol';
import { createProtobufSerializer } from '@nanokit/protocol/protobuf';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNothingLeft } from './nothing-left.js';
import { NO_REPLY, Peer, PeerError } from './peer.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function peer(options?: Parameters<typeof Peer.start>[0]) {
  const p = await Peer.start(options);
  cleanups.push(() => p.close());
  p.on('Echo.Echo', (body) => body);
  return p;
}

function client(options: NanoClientOptions): NanoClient {
  const c = new NanoClient({ reconnect: { initialDelay: 10, maxDelay: 50 }, ...options });
  cleanups.push(() => c.close());
  return c;
}

function next<E extends keyof ClientEvents>(c: NanoClient, event: E): Promise<ClientEvents[E]> {
  return new Promise((resolve) => c.once(event, resolve));
}

describe('request / response', () => {
  it('handshakes with the user payload, acks, and round-trips requests (emoji included)', async () => {
    const p = await peer({ heartbeat: 30 });
    const c = client({ url: p.wsUrl, handshake: { user: { token: 'abc' } } });
    const connected = next(c, 'connect');
    const hs = await c.connect();
    expect(hs.heartbeat).toBe(30);
    expect(await connected).toBe(hs);
    expect(c.state).toBe('open');
    const conn = p.connection;
    expect(conn.handshake).toEqual({ sys: { type: 'js-websocket', version: '0.0.1' }, user: { token: 'abc' } });
    const text = 'héllo 😀 世界 🎮';
    expect(await c.request('Echo.Echo', { text })).toEqual({ text });
    expect(await c.request('Echo.Echo')).toEqual({});
    expect(conn.acked).toBe(true);
  });

  it('resolves concurrent requests by id, with per-route decoding', async () => {
    const p = await peer();
    p.on('Math.Double', (body) => ({ n: (body as { n: number }).n * 2 }));
    const c = client({ url: p.wsUrl });
    await c.connect();
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => c.request('Math.Double', { n })));
    expect(results).toEqual(Array.from({ length: 50 }, (_, n) => ({ n: n * 2 })));
  });

  it('rejects with ServerError for error-flag responses (unknown route PIT-404, handler error PIT-500)', async () => {
    const p = await peer();
    p.on('Room.Fail', () => {
      throw new PeerError('PIT-500', 'boom');
    });
    p.on('Room.Numeric', () => {
      throw new PeerError(42, 'numeric');
    });
    const c = client({ url: p.wsUrl });
    await c.connect();
    const notFound = await c.request('No.Such').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ServerError);
    expect(notFound).toMatchObject({ code: 'ERR_SERVER_ERROR', serverCode: 'PIT-404', route: 'No.Such' });
    expect(await c.request('Room.Fail').catch((e: unknown) => e)).toMatchObject({ serverCode: 'PIT-500', msg: 'boom' });
    expect(await c.request('Room.Numeric').catch((e: unknown) => e)).toMatchObject({ serverCode: 42 });
    expect(await c.request('Echo.Echo', { ok: 1 })).toEqual({ ok: 1 });
  });

  it('times out requests nano never answers, and ignores the late response', async () => {
    const p = await peer();
    let release: (() => void) | undefined;
    p.on('Slow.Never', () => NO_REPLY);
    p.on('Slow.Late', () => new Promise((r) => (release = () => r({ late: true }))));
    const c = client({ url: p.wsUrl, requestTimeout: 30 });
    await c.connect();
    const never = await c.request('Slow.Never').catch((e: unknown) => e);
    expect(never).toBeInstanceOf(RequestTimeoutError);
    expect(never).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', route: 'Slow.Never', id: 1 });
    const late = await c.request('Slow.Late', {}, { timeout: 20 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(RequestTimeoutError);
    release?.();
    // The late response arrives and is dropped; the connection keeps working.
    expect(await c.request('Echo.Echo', { after: 1 })).toEqual({ after: 1 });
    expect(c.debugStats()).toMatchObject({ pendingRequests: 0 });
  });

  it('aborts with an AbortSignal (before and during the request)', async () => {
    const p = await peer();
    p.on('Slow.Never', () => NO_REPLY);
    const c = client({ url: p.wsUrl });
    await c.connect();
    const before = new AbortController();
    before.abort('user left');
    const pre = await c.request('Echo.Echo', {}, { signal: before.signal }).catch((e: unknown) => e);
    expect(pre).toBeInstanceOf(RequestAbortedError);
    expect(pre).toMatchObject({ code: 'ERR_ABORTED', cause: 'user left' });
    const during = new AbortController();
    const pending = c.request('Slow.Never', {}, { signal: during.signal });
    expect(c.debugStats()).toMatchObject({ pendingRequests: 1, signalListeners: 1 });
    during.abort();
    await expect(pending).rejects.toBeInstanceOf(RequestAbortedError);
    expect(c.debugStats()).toMatchObject({ pendingRequests: 0, signalListeners: 0 });
  });

  it('rejects oversize requests and notifies before sending', async () => {
    const p = await peer();
    const c = client({ url: p.wsUrl, maxBodyLength: 1024 });
    await c.connect();
    const big = { data: 'x'.repeat(2000) };
    const error = await c.request('Echo.Echo', big).catch((e: unknown) => e);
    expect(isNanoError(error, 'ERR_PACKET_TOO_LARGE')).toBe(true);
    expect(() => c.notify('Chat.Say', big)).toThrow(expect.objectContaining({ code: 'ERR_PACKET_TOO_LARGE' }));
    expect(await c.request('Echo.Echo', { small: true })).toEqual({ small: true });
    expect(p.connection.messages.map((m) => m.route)).toEqual(['Echo.Echo']);
  });

  it('keeps ids in 1…2^31−1: wraps after the maximum', async () => {
    const p = await peer();
    const c = client({ url: p.wsUrl });
    await c.connect();
    (c as unknown as { requests: { last: number } }).requests.last = MAX_REQUEST_ID - 2;
    for (let i = 0; i < 4; i++) expect(await c.request('Echo.Echo', { i })).toEqual({ i });
    expect(p.connection.messages.map((m) => m.id)).toEqual([MAX_REQUEST_ID - 1, MAX_REQUEST_ID, 1, 2]);
  });
});

describe("nano's 16-message send backlog (maxInFlight)", () => {
  // The peer models nano's per-session send queue: 16 responses wait to be written, one more is dropped silently.
  const BURST = 40;

  it('a burst of 40 requests loses answers without a cap: the queue keeps 16 and drops 24', async () => {
    const p = await peer({ backlog: 16, manualDrain: true });
    const c = client({ url: p.wsUrl, maxInFlight: Infinity, requestTimeout: 300 });
    await c.connect();
    const conn = p.connection;
    const arrived = new Promise<void>((resolve) => {
      let n = 0;
      p.onMessage(() => ++n === BURST && resolve());
    });
    const results = Promise.allSettled(Array.from({ length: BURST }, (_, i) => c.request('Echo.Echo', { i })));
    await arrived;
    await new Promise((resolve) => setImmediate(resolve)); // the peer's handlers have answered into its queue
    conn.drain();
    const settled = await results;
    expect(conn.dropped).toBe(BURST - 16);
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(16);
    const lost = settled.filter((r) => r.status === 'rejected');
    expect(lost).toHaveLength(BURST - 16);
    for (const r of lost) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RequestTimeoutError);
  });

  it('the default cap (8 in flight) gets every answer through the same queue, in order, leaving nothing behind', async () => {
    const p = await peer({ backlog: 16 });
    const c = client({ url: p.wsUrl });
    await c.connect();
    const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => c.request('Echo.Echo', { i })));
    expect(answers).toEqual(Array.from({ length: BURST }, (_, i) => ({ i })));
    const conn = p.connection;
    expect(conn.maxOutstanding).toBeLessThanOrEqual(8); // never more than 8 unanswered at the server
    expect(conn.dropped).toBe(0);
    expect(conn.messages.map((m) => m.id)).toEqual(Array.from({ length: BURST }, (_, i) => i + 1)); // sent oldest first
    c.close();
    expectNothingLeft(c);
  });
});

describe('serializers', () => {
  it('decodes each response with the serializer for its request route', async () => {
    const p = await peer();
    p.on('A.Get', () => ({ v: 'a' }));
    p.on('B.Get', () => ({ v: 'b' }));
    const decoded: [string, number][] = [];
    const tagging: Serializer = {
      name: 'tagging-json',
      encode: (route, value, type) => jsonSerializer.encode(route, value, type),
      decode: (route, bytes, type) => {
        decoded.push([route, type]);
        return { route, body: jsonSerializer.decode(route, bytes, type) };
      },
    };
    const c = client({ url: p.wsUrl, serializer: tagging });
    await c.connect();
    const [a, b] = await Promise.all([c.request('A.Get'), c.request('B.Get')]);
    expect(a).toEqual({ route: 'A.Get', body: { v: 'a' } });
    expect(b).toEqual({ route: 'B.Get', body: { v: 'b' } });
    expect(decoded).toEqual([
      ['A.Get', MessageType.Response],
      ['B.Get', MessageType.Response],
    ]);
  });

  it('speaks protobuf (real protobufjs) for requests, responses and pushes; errors stay JSON', async () => {
    const root = protobuf.Root.fromJSON({
      nested: {
        game: {
          nested: {
            JoinReq: { fields: { name: { type: 'string', id: 1 } } },
            JoinRes: { fields: { id: { type: 'int32', id: 1 }, name: { type: 'string', id: 2 } } },
            Chat: { fields: { text: { type: 'string', id: 1 } } },
          },
        },
      },
    });
    const serializer = createProtobufSerializer({
      root,
      requests: { 'Room.Join': 'game.JoinReq', 'Room.Fail': 'game.JoinReq' },
      responses: { 'Room.Join': 'game.JoinRes' },
      pushes: { onChat: 'game.Chat' },
    });
    const p = await peer({ serializer, dict: { onChat: 1 } });
    p.on('Room.Join', (body) => ({ id: 7, name: (body as { name: string }).name }));
    p.on('Room.Fail', () => {
      throw new PeerError('PIT-500', 'nope');
    });
    const c = client({ url: p.wsUrl, serializer });
    await c.connect();
    expect(await c.request('Room.Join', { name: 'alice 😀' })).toEqual({ id: 7, name: 'alice 😀' });
    expect(await c.request('Room.Fail', { name: 'x' }).catch((e: unknown) => e)).toMatchObject({
      code: 'ERR_SERVER_ERROR',
      serverCode: 'PIT-500',
      msg: 'nope',
    });
    const chat = new Promise((r) => c.on('onChat', r));
    p.connection.push('onChat', { text: 'pb push' });
    expect(await chat).toEqual({ text: 'pb push' });
  });
});

describe('notify / push', () => {
  it('sends notifies and delivers pushes by route; push names never reach lifecycle listeners', async () => {
    const p = await peer();
    const c = client({ url: p.wsUrl });
    await c.connect();
    const said = new Promise((r) => p.on('Chat.Say', (body) => r(body)));
    c.notify('Chat.Say', { text: 'hi 👋' });
    expect(await said).toEqual({ text: 'hi 👋' });
    expect(p.connection.messages[0]).toMatchObject({ type: MessageType.Notify, route: 'Chat.Say' });

    const lifecycleErrors: unknown[] = [];
    c.on('error', (e) => lifecycleErrors.push(e));
    const errorPush = new Promise((r) => c.onPush('error', r));
    const message = new Promise((r) => c.on('onMessage', r));
    const anyPush = next(c, 'push');
    p.connection.push('error', { weird: 'route name' });
    p.connection.push('onMessage', { from: 'bob', text: '🎉' });
    expect(await errorPush).toEqual({ weird: 'route name' });
    expect(await message).toEqual({ from: 'bob', text: '🎉' });
    expect(await anyPush).toEqual({ route: 'error', body: { weird: 'route name' } });
    expect(lifecycleErrors).toEqual([]);
  });

  it('on() returns an unsubscribe function; once() fires once', async () => {
    const p = await peer();
    const c = client({ url: p.wsUrl });
    await c.connect();
    const seen: unknown[] = [];
    const off = c.on('onTick', (b) => seen.push(['on', b]));
    c.once('onTick', (b) => seen.push(['once', b]));
    const done = new Promise((r) => c.on('onDone', r));
    p.connection.push('onTick', 1);
    p.connection.push('onTick', 2);
    p.connection.push('onDone', 0);
    await done;
    off();
    const done2 = new Promise((r) => c.on('onDone', r));
    p.connection.push('onTick', 3);
    p.connection.push('onDone', 0);
    await done2;
    expect(seen).toEqual([
      ['on', 1],
      ['once', 1],
      ['on', 2],
    ]);
  });

  it('compresses outgoing routes with sys.dict and resolves compressed pushes; unknown codes are errors', async () => {
    const p = await peer({ dict: { 'Room.Join': 1, onMessage: 2 } });
    p.on('Room.Join', (body) => ({ joined: body }));
    const c = client({ url: p.wsUrl });
    const hs = await c.connect();
    expect(hs.dict).toEqual({ 'Room.Join': 1, onMessage: 2 });
    expect(await c.request('Room.Join', { name: 'alice' })).toEqual({ joined: { name: 'alice' } });
    expect(p.connection.messages[0]).toMatchObject({ compressed: true, routeCode: 1, route: 'Room.Join' });

    const pushed = new Promise((r) => c.on('onMessage', r));
    p.connection.push('onMessage', { text: 'compressed' });
    expect(await pushed).toEqual({ text: 'compressed' });

    // A push with a code the dictionary does not hold: an error event, never a silent {}.
    const error = next(c, 'error');
    // Data packet, Push flag 0x06 | compressed 0x01, route code 99, body {}.
    p.connection.send(new Uint8Array([4, 0, 0, 5, 0x07, 0x00, 0x63, 0x7b, 0x7d]));
    expect(await error).toMatchObject({ code: 'ERR_UNKNOWN_ROUTE_CODE' });
    expect(c.state).toBe('open');
    expect(await c.request('Echo.Echo', { still: 'open' })).toEqual({ still: 'open' });
  });

  it('buffers notifies while reconnecting up to the bound, then throws NotifyQueueFullError', async () => {
    const p = await peer();
    const c = client({ url: p.wsUrl, maxQueuedNotifies: 2, reconnect: { initialDelay: 60_000 } });
    await c.connect();
    const disconnected = next(c, 'disconnect');
    p.connection.drop();
    expect(await disconnected).toMatchObject({ willReconnect: true });
    c.notify('Chat.Say', { n: 1 });
    c.notify('Chat.Say', { n: 2 });
    expect(() => c.notify('Chat.Say', { n: 3 })).toThrow(expect.objectContaining({ code: 'ERR_NOTIFY_QUEUE_FULL' }));
    const received: unknown[] = [];
    const both = new Promise<void>((r) =>
      p.on('Chat.Say', (body) => {
        received.push(body);
        if (received.length === 2) r();
      }),
    );
    const reconnected = next(c, 'reconnect');
    c.resume(); // cuts the 60 s backoff short
    await reconnected;
    await both;
    expect(received).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('connection lifecycle', () => {
  it('reconnects after a server kill and restart on the same port; awaits onReconnect before flushing notifies', async () => {
    const p = await peer({ heartbeat: 30 });
    p.on('Slow.Never', () => NO_REPLY);
    const order: string[] = [];
    p.onMessage((_conn, msg) => order.push(msg.route));
    p.on('Auth.Login', async (body) => ({ ok: body }));
    let hookCalls = 0;
    const c = client({
      url: async () => p.wsUrl,
      onReconnect: async () => {
        hookCalls++;
        await c.request('Auth.Login', { token: 't' });
      },
    });
    await c.connect();
    const pending = c.request('Slow.Never', {}, { timeout: 0 });
    const disconnected = next(c, 'disconnect');
    const reconnecting = next(c, 'reconnecting');
    await p.kill();
    await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await disconnected).toMatchObject({ willReconnect: true });
    expect(await reconnecting).toMatchObject({ attempt: 1 });
    expect(c.state).toBe('reconnecting');
    c.notify('Chat.Say', { queued: true });
    await expect(c.request('Echo.Echo')).rejects.toMatchObject({
      code: 'ERR_CONNECTION_CLOSED',
      reason: 'not-connected',
    });
    const reconnected = next(c, 'reconnect');
    order.length = 0;
    await p.restart();
    await reconnected;
    expect(hookCalls).toBe(1);
    expect(c.state).toBe('open');
    expect(await c.request('Echo.Echo', { back: true })).toEqual({ back: true });
    expect(order).toEqual(['Auth.Login', 'Chat.Say', 'Echo.Echo']);
  });

  it('does not reconnect after a Kick', async () => {
    const p = await peer();
    const c = client({ url: p.wsUrl });
    await c.connect();
    const kicked = next(c, 'kick');
    const disconnected = next(c, 'disconnect');
    let reconnecting = 0;
    c.on('reconnecting', () => reconnecting++);
    p.connection.kick('duplicate login');
    expect(await kicked).toEqual({ reason: 'duplicate login' });
    expect(await disconnected).toEqual({ code: 4003, reason: 'kick', willReconnect: false });
    expect(c.state).toBe('closed');
    expect(reconnecting).toBe(0);
    expectNothingLeft(c);
  });

  it('close() rejects pending requests, emits disconnect and never reconnects', async () => {
    const p = await peer();
    p.on('Slow.Never', () => NO_REPLY);
    const c = client({ url: p.wsUrl });
    await c.connect();
    const pending = c.request('Slow.Never');
    const disconnected = next(c, 'disconnect');
    c.close();
    await expect(pending).rejects.toMatchObject({
      code: 'ERR_CONNECTION_CLOSED',
      closeCode: 1000,
      reason: 'client-close',
    });
    expect(await disconnected).toEqual({ code: 1000, reason: 'client-close', willReconnect: false });
    expect(c.state).toBe('closed');
    expect(() => c.notify('Chat.Say')).toThrow(ConnectionClosedError);
    // connect() works again after close().
    await c.connect();
    expect(await c.request('Echo.Echo', { again: 1 })).toEqual({ again: 1 });
  });

  it('takes the URL from a function on every attempt (failover to a second server)', async () => {
    const first = await peer();
    const second = await peer();
    const urls = [first.wsUrl, second.wsUrl];
    let calls = 0;
    const c = client({ url: () => urls[Math.min(calls++, 1)] as string });
    await c.connect();
    expect(first.connections.size).toBe(1);
    const reconnected = next(c, 'reconnect');
    await first.kill();
    await reconnected;
    expect(second.connections.size).toBe(1);
    expect(await c.request('Echo.Echo', { on: 'second' })).toEqual({ on: 'second' });
  });

  it('rejects the first connect when nothing listens, without retrying', async () => {
    const p = await peer();
    const url = p.wsUrl;
    await p.kill();
    const c = client({ url });
    let reconnecting = 0;
    c.on('reconnecting', () => reconnecting++);
    await expect(c.connect()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(c.state).toBe('closed');
    expect(reconnecting).toBe(0);
  });

  it('rejects connect() with HandshakeError when the server refuses the handshake', async () => {
    const p = await peer({ handshakeCode: 500 });
    const c = client({ url: p.wsUrl });
    const error = await c.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error).toMatchObject({ serverCode: 500 });
  });

  it('answers server heartbeats on the wire', async () => {
    const p = await peer({ heartbeat: 30 });
    // heartbeat: false leaves only the answering (the timing logic has its own fake-timer tests).
    const c = client({ url: p.wsUrl, heartbeat: false });
    await c.connect();
    const conn = p.connection;
    conn.heartbeat();
    // The answer is a heartbeat; a request after it proves ordering on the same socket.
    await c.request('Echo.Echo');
    expect(conn.heartbeats).toBe(1);
  });
});

describe('TCP transport', () => {
  it('talks to the TCP listener with tcpTransport() and by default for tcp:// URLs', async () => {
    const p = await peer({ dict: { onMessage: 5 } });
    const explicit = client({ url: p.tcpUrl, transport: tcpTransport() });
    await explicit.connect();
    expect(await explicit.request('Echo.Echo', { over: 'tcp 🚀' })).toEqual({ over: 'tcp 🚀' });
    const byDefault = client({ url: p.tcpUrl });
    await byDefault.connect();
    const pushed = new Promise((r) => byDefault.on('onMessage', r));
    for (const conn of p.connections) conn.push('onMessage', { big: 'y'.repeat(70_000) });
    expect(((await pushed) as { big: string }).big.length).toBe(70_000);
    expect([...p.connections].map((conn) => conn.kind)).toEqual(['tcp', 'tcp']);
  });
});

describe('leaks', () => {
  it('leaves no pending requests, timers or listeners after 10 000 request/response cycles and close()', async () => {
    const p = await peer({ heartbeat: 30 });
    const c = client({ url: p.wsUrl });
    await c.connect();
    const controller = new AbortController();
    setMaxListeners(200, controller.signal); // 100 concurrent requests share one signal
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => c.request('Echo.Echo', { i }, { signal: controller.signal })),
      );
    }
    expect(p.connection.messages.length).toBe(10_000);
    expect(c.debugStats()).toMatchObject({ pendingRequests: 0, signalListeners: 0 });
    c.close();
    expectNothingLeft(c);
  });
});
