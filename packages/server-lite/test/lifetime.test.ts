// Lifetime hooks, graceful shutdown, registration rules and the protobuf serializer.

import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { decodeMessage, encodeDataPacket, MessageType, PacketType, parseKick } from '@nanokit/protocol';
import { createProtobufSerializer } from '@nanokit/protocol/protobuf';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { NanoServer, type Session } from '../src/index.js';
import { linkOf } from '../src/session.js';
import type { TcpConnection } from '../src/transports/tcp.js';
import type { WsConnection } from '../src/transports/ws.js';
import { RawClient, recordingLogger } from './raw-client.js';

describe('lifetime and shutdown', () => {
  it('runs init/afterInit once, then on close stops accepting, kicks everyone, runs shutdown hooks, resolves', async () => {
    const calls: string[] = [];
    class Comp {
      constructor(readonly tag: string) {}
      init() {
        calls.push(`${this.tag}.init`);
      }
      async afterInit() {
        calls.push(`${this.tag}.afterInit`);
      }
      beforeShutdown() {
        calls.push(`${this.tag}.beforeShutdown`);
      }
      shutdown() {
        calls.push(`${this.tag}.shutdown`);
      }
      hello() {
        return this.tag;
      }
    }
    const closedCodes: string[] = [];
    const server = new NanoServer({
      logger: recordingLogger(),
      hooks: {
        init: () => void calls.push('server.init'),
        afterInit: () => void calls.push('server.afterInit'),
        beforeShutdown: () => void calls.push(`server.beforeShutdown(${server.sessionCount})`),
        shutdown: () => void calls.push(`server.shutdown(${server.sessionCount})`),
      },
    });
    server.onSessionClosed((s) => closedCodes.push(s.closeCode as string));
    server.register(new Comp('a'), { name: 'a' }).register(new Comp('b'), { name: 'b' });
    const ws = await server.listen({ port: 0, host: '127.0.0.1', path: '/nano' });
    const tcp = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    expect(ws.transport).toBe('ws');
    expect(tcp.transport).toBe('tcp');
    expect(calls).toEqual(['a.init', 'b.init', 'server.init', 'a.afterInit', 'b.afterInit', 'server.afterInit']);

    const clients = await Promise.all([
      RawClient.ws(`ws://127.0.0.1:${ws.port}/nano`),
      RawClient.ws(`ws://127.0.0.1:${ws.port}/nano`),
      RawClient.tcp(tcp.port),
    ]);
    for (const c of clients) await c.handshake();
    expect((await clients[2]!.response(clients[2]!.request('b.hello'))).body).toBe('b');

    await server.close();
    expect(calls.slice(6)).toEqual([
      'b.beforeShutdown',
      'a.beforeShutdown',
      'server.beforeShutdown(3)',
      'b.shutdown',
      'a.shutdown',
      'server.shutdown(0)',
    ]);
    expect(closedCodes).toEqual(['ERR_SERVER_SHUTDOWN', 'ERR_SERVER_SHUTDOWN', 'ERR_SERVER_SHUTDOWN']);
    for (const c of clients) {
      const how = await c.closed;
      if (c.ws) expect(how.code).toBe(1001);
      const kick = await c.next((p) => p.type === PacketType.Kick);
      expect(parseKick(kick.body).reason).toBe('server shutdown');
    }
    await expect(RawClient.ws(`ws://127.0.0.1:${ws.port}/nano`)).rejects.toThrow();
    await expect(RawClient.tcp(tcp.port)).rejects.toThrow();
    await expect(server.listen({ port: 0 })).rejects.toThrow(/closed/);
    await server.close(); // idempotent
  });

  it('cuts peers that do not close within shutdownTimeout', async () => {
    const server = new NanoServer({ logger: recordingLogger(), shutdownTimeout: 50 });
    server.register({ x: () => 1 }, { name: 'x' });
    const { port } = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    const c = await RawClient.tcp(port);
    await c.handshake();
    const session = server.sessions()[0] as Session;
    // Ignore the server's FIN: keep our half open, so only the server's timeout can end the socket.
    c.tcp!.allowHalfOpen = true;
    c.tcp!.removeAllListeners('end');
    await server.close();
    expect((linkOf(session) as TcpConnection).socket.destroyed).toBe(true);
    c.tcp!.destroy();
  });
});

/** Kicks `session` and resolves with the ms until the server's side of its socket has closed. */
function kickAndTimeTheCut(session: Session, socket: { once(event: 'close', fn: () => void): unknown }) {
  return new Promise<number>((resolve) => {
    const started = performance.now();
    socket.once('close', () => resolve(performance.now() - started));
    session.kick('bye');
  });
}

describe('a peer that never answers the end of its connection', () => {
  it('WebSocket: a peer that never sends its close frame is cut after 2 s (ws alone waits 30 s)', async () => {
    const server = new NanoServer({ logger: recordingLogger() });
    server.register({ x: () => 1 }, { name: 'x' });
    const ws = await server.listen({ port: 0, host: '127.0.0.1', path: '/nano' });
    const c = await RawClient.ws(`ws://127.0.0.1:${ws.port}/nano`);
    await c.handshake();
    const session = server.sessions()[0] as Session;
    const link = linkOf(session) as WsConnection;
    // The client stops reading: it never sees the server's close frame, so it never answers it.
    (c.ws as unknown as { _socket: Socket })._socket.pause();
    const ms = await kickAndTimeTheCut(session, link.ws);
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(5000);
    (c.ws as unknown as { _socket: Socket })._socket.destroy();
    await server.close();
  }, 10_000);

  // A slow but healthy reader: the socket stops being read for 3 s while 16 MB are queued for it (more than the
  // kernel's buffers hold), then reads on. What was queued before the end, the Kick and the close all arrive.
  for (const kind of ['ws', 'tcp'] as const) {
    it(`${kind}: a slow reader still gets what was queued before the end, and the Kick`, async () => {
      const server = new NanoServer({ logger: recordingLogger(), maxOutboundBuffer: 64 * 1024 * 1024 });
      server.register({ x: () => 1 }, { name: 'x' });
      const listening =
        kind === 'ws'
          ? await server.listen({ port: 0, host: '127.0.0.1', path: '/nano' })
          : await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
      const c =
        kind === 'ws'
          ? await RawClient.ws(`ws://127.0.0.1:${listening.port}/nano`)
          : await RawClient.tcp(listening.port);
      await c.handshake();
      const session = server.sessions()[0] as Session;
      const socket = kind === 'ws' ? (c.ws as unknown as { _socket: Socket })._socket : (c.tcp as Socket);
      socket.pause();
      const big = 'x'.repeat(1024 * 1024);
      for (let i = 0; i < 16; i++) session.push('onBig', { i, big });
      session.kick('bye');
      setTimeout(() => socket.resume(), 3000);
      const closed = await c.closed;
      expect(c.packets.filter((p) => p.type === PacketType.Data)).toHaveLength(16);
      expect(c.packets.filter((p) => p.type === PacketType.Kick)).toHaveLength(1);
      if (kind === 'ws') expect(closed.code).toBe(1000);
      await server.close();
    }, 20_000);
  }

  it('TCP: a peer that keeps its half open is cut after 2 s', async () => {
    const server = new NanoServer({ logger: recordingLogger() });
    server.register({ x: () => 1 }, { name: 'x' });
    const { port } = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    const c = await RawClient.tcp(port);
    await c.handshake();
    const session = server.sessions()[0] as Session;
    const link = linkOf(session) as TcpConnection;
    c.tcp!.allowHalfOpen = true;
    c.tcp!.removeAllListeners('end');
    const ms = await kickAndTimeTheCut(session, link.socket);
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(5000);
    c.tcp!.destroy();
    await server.close();
  }, 10_000);
});

describe('shutdown with stray HTTP connections', () => {
  it('cuts an HTTP connection that sent nothing or part of a request after shutdownTimeout', async () => {
    const server = new NanoServer({ logger: recordingLogger(), shutdownTimeout: 50 });
    server.register({ x: () => 1 }, { name: 'x' });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    const open = () =>
      new Promise<Socket>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.on('error', () => {});
      });
    const silent = await open();
    const partial = await open();
    partial.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
    const cut = [silent, partial].map((s) => new Promise((resolve) => s.on('close', resolve)));
    // Neither client ever closes by itself: close() only resolves because it cuts them (it used to wait for Node's
    // own header timeout, 60 s).
    const started = performance.now();
    await server.close();
    await Promise.all(cut);
    // A deadline, not a speed: shutdownTimeout is 50 ms, Node's header timeout 60 s.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('registration', () => {
  it('routes <name>.<method>, skips lifetime and _private methods, refuses duplicates and empty components', () => {
    class Manager {
      Join() {}
      _secret() {}
      init() {}
    }
    const server = new NanoServer({ logger: recordingLogger() });
    server.register(new Manager());
    expect(server.routes()).toEqual(['Manager.Join']);
    expect(() => server.register(new Manager())).toThrow(/already registered/);
    expect(() => server.register({}, { name: 'empty' })).toThrow(/no handler/);
    expect(() => new NanoServer({ heartbeat: 0 })).toThrow(/heartbeat/);
  });
});

describe("handlers come from the component's own class chain only", () => {
  it('does not route the methods a component inherits from EventEmitter, Map or another built-in', async () => {
    class Base {
      Hello() {
        return 'hello';
      }
    }
    class Room extends Base {
      readonly events = new EventEmitter();
      Join() {
        return { ok: true };
      }
    }
    class Emitting extends EventEmitter {
      Join() {
        return { ok: true };
      }
    }
    class Registry extends Map<string, string> {
      Lookup(_s: Session, body: { key: string }) {
        return { v: this.get(body.key) ?? null };
      }
    }
    class Hits extends Array<number> {
      Count() {
        return this.length;
      }
    }
    const server = new NanoServer({ logger: recordingLogger() });
    const registry = new Registry([['admin', 'secret-token']]);
    server
      .register(new Room())
      .register(new Emitting(), { name: 'Emitting' })
      .register(registry, { name: 'Registry' })
      .register(new Hits(), { name: 'Hits' });
    // A class chain of the user's own (Base) still provides handlers; EventEmitter, Map, Array, Object do not.
    expect(server.routes().sort()).toEqual([
      'Emitting.Join',
      'Hits.Count',
      'Registry.Lookup',
      'Room.Hello',
      'Room.Join',
    ]);
    const { port } = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    try {
      const c = await RawClient.tcp(port);
      await c.handshake();
      for (const route of ['Registry.clear', 'Registry.set', 'Emitting.emit', 'Emitting.removeAllListeners']) {
        const res = await c.response(c.request(route, {}));
        expect(res.error).toBe(true);
        expect(res.body).toMatchObject({ code: 'PIT-404' });
      }
      expect(registry.size).toBe(1);
      expect((await c.response(c.request('Registry.Lookup', { key: 'admin' }))).body).toEqual({ v: 'secret-token' });
      c.close();
    } finally {
      await server.close();
    }
  });

  it('refuses two methods that nameFunc maps to the same route (ERR_INVALID_COMPONENT), registering nothing', () => {
    class Room {
      Join() {
        return 'Join';
      }
      join() {
        return 'join';
      }
    }
    const server = new NanoServer({ logger: recordingLogger() });
    expect(() => server.register(new Room(), { name: 'room', nameFunc: (m) => m.toLowerCase() })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_COMPONENT',
        message: expect.stringContaining('"Join" and "join"'),
      }),
    );
    expect(server.routes()).toEqual([]);
    // Without the renaming both are distinct routes.
    server.register(new Room(), { name: 'room' });
    expect(server.routes().sort()).toEqual(['room.Join', 'room.join']);
  });
});

describe('timer options', () => {
  it('refuses heartbeat and shutdownTimeout above 2^31 - 1 ms, which Node timers would fire after 1 ms', () => {
    const max = 2 ** 31 - 1;
    for (const name of ['heartbeat', 'shutdownTimeout'] as const) {
      expect(() => new NanoServer({ logger: recordingLogger(), [name]: max + 1 })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(name) }),
      );
      expect(() => new NanoServer({ logger: recordingLogger(), [name]: 30 * 24 * 3600 * 1000 })).toThrow(/at most/);
      expect(() => new NanoServer({ logger: recordingLogger(), [name]: max })).not.toThrow();
    }
  });
});

describe('protobuf serializer', () => {
  it('decodes requests and encodes responses and pushes with protobufjs types', async () => {
    const root = protobuf.Root.fromJSON({
      nested: {
        Move: { fields: { x: { type: 'int32', id: 1 }, y: { type: 'int32', id: 2 } } },
        MoveAck: { fields: { ok: { type: 'bool', id: 1 }, seq: { type: 'uint32', id: 2 } } },
      },
    });
    const Move = root.lookupType('Move');
    const MoveAck = root.lookupType('MoveAck');
    const serializer = createProtobufSerializer({
      root,
      requests: { 'game.move': 'Move' },
      responses: { 'game.move': 'MoveAck' },
      pushes: { onMove: 'Move' },
    });
    const server = new NanoServer({ logger: recordingLogger(), serializer });
    server.register(
      {
        move(session: Session, body: { x: number; y: number }) {
          session.push('onMove', { x: body.x * 2, y: body.y * 2 });
          return { ok: true, seq: body.x + body.y };
        },
      },
      { name: 'game' },
    );
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const c = await RawClient.ws(`ws://127.0.0.1:${port}/`);
      await c.handshake();
      const body = Move.encode(Move.fromObject({ x: 3, y: 4 })).finish();
      c.send(encodeDataPacket({ type: MessageType.Request, id: 1, route: 'game.move', body }));
      const push = await c.message((m) => m.type === MessageType.Push);
      expect(Move.toObject(Move.decode(push.body))).toEqual({ x: 6, y: 8 });
      const res = await c.next((p) => p.type === PacketType.Data);
      const m = decodeMessage(res.body);
      expect(m.id).toBe(1);
      expect(MoveAck.toObject(MoveAck.decode(m.body))).toEqual({ ok: true, seq: 7 });
      c.close();
    } finally {
      await server.close();
    }
  });
});

describe('close while listening starts', () => {
  it('does not leave a listener open when close() races listen()', async () => {
    const server = new NanoServer({ logger: recordingLogger() });
    server.register({ x: () => 1 }, { name: 'x' });
    const listening = server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    const closing = server.close();
    await expect(listening).rejects.toThrow(/closed/);
    await closing;
  });
});
