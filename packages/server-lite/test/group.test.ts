// Groups with 1000 real WebSocket sessions: broadcast (encoded once), multicast, membership, leave on close; a group
// shared by two servers; a broadcast that cuts 2000 slow consumers whose close listener broadcasts again.
import { jsonSerializer, MessageType, type Serializer } from '@nanokit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Group, NanoServer, type Session } from '../src/index.js';
import { linkOf } from '../src/session.js';
import type { TcpConnection } from '../src/transports/tcp.js';
import { RawClient, recordingLogger } from './raw-client.js';

const N = 1000;

class Lobby {
  constructor(readonly group: Group) {}
  join(session: Session) {
    session.bind(session.id);
    this.group.add(session);
    return { count: this.group.count() };
  }
}

describe(`a group of ${N} sessions`, () => {
  const group = new Group('lobby');
  let pushEncodes = 0;
  const counting: Serializer = {
    name: 'json',
    encode(route, value, type) {
      if (type === MessageType.Push) pushEncodes++;
      return jsonSerializer.encode(route, value, type);
    },
    decode: (route, bytes, type) => jsonSerializer.decode(route, bytes, type),
  };
  const server = new NanoServer({ logger: recordingLogger(), serializer: counting, dictionary: { onNews: 3 } });
  server.register(new Lobby(group), { name: 'lobby' });
  const clients: RawClient[] = [];

  beforeAll(async () => {
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    // Connect in batches to stay gentle on a shared machine.
    for (let i = 0; i < N; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, N - i) }, () => RawClient.ws(`ws://127.0.0.1:${port}/`)),
      );
      await Promise.all(
        batch.map(async (c) => {
          await c.handshake();
          await c.response(c.request('lobby.join'));
        }),
      );
      clients.push(...batch);
    }
  }, 60_000);

  afterAll(async () => {
    await server.close();
  });

  it('broadcasts to every member, serializing once', async () => {
    expect(group.count()).toBe(N);
    expect(group.members()).toHaveLength(N);
    pushEncodes = 0;
    expect(group.broadcast('onNews', { n: 1 })).toBe(N);
    expect(pushEncodes).toBe(1);
    const bodies = await Promise.all(clients.map((c) => c.push('onNews')));
    expect(bodies.every((b) => (b as { n: number }).n === 1)).toBe(true);
  });

  it('multicasts to the members a filter accepts', async () => {
    const even = (s: Session) => s.id % 2 === 0;
    const expected = group.sessions().filter(even).length;
    expect(expected).toBeGreaterThan(0);
    expect(group.multicast('onEven', { even: true }, even)).toBe(expected);
    // A round trip per client: its response comes after any push sent before it.
    await Promise.all(clients.map((c) => c.response(c.request('lobby.join'))));
    const pushed = clients.filter((c) => c.packets.some((p) => Buffer.from(p.body).includes('onEven')));
    expect(pushed).toHaveLength(expected);
  });

  it('finds members by uid, lets sessions leave, and drops closed sessions', async () => {
    const first = group.sessions()[0] as Session;
    expect(group.member(first.uid as number)).toBe(first);
    expect(group.contains(first)).toBe(true);
    expect(group.leave(first)).toBe(true);
    expect(group.leave(first)).toBe(false);
    expect(group.count()).toBe(N - 1);

    const closing = clients.slice(1, 11);
    for (const c of closing) c.close();
    await Promise.all(closing.map((c) => c.closed));
    for (let i = 0; i < 100 && group.count() > N - 11; i++) await new Promise((r) => setTimeout(r, 10));
    expect(group.count()).toBe(N - 11);
    expect(group.broadcast('onNews', { n: 2 })).toBe(N - 11);

    group.leaveAll();
    expect(group.count()).toBe(0);
    group.close();
    expect(() => group.add(first)).toThrow(/closed/);
  });
});

describe('broadcast with outbound pipeline hooks', () => {
  it('serializes once, then runs the hooks and encodes per member', async () => {
    let encodes = 0;
    const counting: Serializer = {
      name: 'json',
      encode(route, value, type) {
        if (type === MessageType.Push) encodes++;
        return jsonSerializer.encode(route, value, type);
      },
      decode: (route, bytes, type) => jsonSerializer.decode(route, bytes, type),
    };
    const group = new Group('hooked');
    const server = new NanoServer({
      logger: recordingLogger(),
      serializer: counting,
      pipeline: {
        outbound: [
          (session, m) => {
            if (m.route !== 'onNews') return undefined;
            if (session.uid === 2) return false; // this member's copy is dropped
            return { ...m, body: `{"for":${session.uid},"was":${m.body as string}}` };
          },
        ],
      },
    });
    server.register(new Lobby(group), { name: 'lobby' });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const clients = [];
      for (let i = 0; i < 3; i++) {
        const c = await RawClient.ws(`ws://127.0.0.1:${port}/`);
        await c.handshake();
        await c.response(c.request('lobby.join'));
        clients.push(c);
      }
      encodes = 0;
      expect(group.broadcast('onNews', { n: 7 })).toBe(2);
      expect(encodes).toBe(1);
      expect(await clients[0]!.push('onNews')).toEqual({ for: 1, was: { n: 7 } });
      expect(await clients[2]!.push('onNews')).toEqual({ for: 3, was: { n: 7 } });
      await clients[1]!.response(clients[1]!.request('lobby.join'));
      expect(clients[1]!.packets).toEqual([]);
      for (const c of clients) c.close();
    } finally {
      await server.close();
    }
  });
});

describe('a group shared by two servers', () => {
  it('holds sessions with the same id from different servers as distinct members', async () => {
    const group = new Group('shared');
    const servers = [new NanoServer({ logger: recordingLogger() }), new NanoServer({ logger: recordingLogger() })];
    try {
      const clients: RawClient[] = [];
      for (const server of servers) {
        server.register(new Lobby(group), { name: 'lobby' });
        const { port } = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
        const c = await RawClient.tcp(port);
        await c.handshake();
        await c.response(c.request('lobby.join'));
        clients.push(c);
      }
      const [a, b] = servers.map((s) => s.sessions()[0] as Session) as [Session, Session];
      expect([a.id, b.id]).toEqual([1, 1]);
      expect(group.count()).toBe(2);
      expect(group.sessions()).toEqual([a, b]);
      expect(group.members()).toEqual([1, 1]);
      expect(group.contains(a) && group.contains(b)).toBe(true);
      expect(group.broadcast('onNews', { n: 1 })).toBe(2);
      for (const c of clients) expect(await c.push('onNews')).toEqual({ n: 1 });
      expect(group.add(b)).toBe(false);
      expect(group.leave(a)).toBe(true);
      expect(group.leave(a)).toBe(false);
      expect(group.contains(b)).toBe(true);
      expect(group.sessions()).toEqual([b]);
      const gone = new Promise<Session>((resolve) => servers[1]!.onSessionClosed(resolve));
      clients[1]!.close();
      expect(await gone).toBe(b);
      expect(group.count()).toBe(0);
      clients[0]!.close();
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe('a broadcast that cuts slow consumers whose close listener broadcasts again', () => {
  // Past about a thousand such members the reports used to recurse (broadcast → cut → listener → broadcast → …) until
  // the stack overflowed: pushes were lost and close() could hang.
  const SLOW = 2000;
  const HEALTHY = 3;

  it(`reports ${SLOW} cut members one after another, never nested, and loses no push`, async () => {
    const logger = recordingLogger();
    const server = new NanoServer({ logger, maxOutboundBuffer: 1024 });
    server.register({ ping: () => 'pong' }, { name: 'x' });
    const room = new Group('room');
    let depth = 0;
    let maxDepth = 0;
    const closedIds: number[] = [];
    server.onSessionClosed((session) => {
      closedIds.push(session.id);
      maxDepth = Math.max(maxDepth, ++depth);
      try {
        room.broadcast('onLeave', { id: session.id });
      } finally {
        depth--;
      }
    });
    const { port } = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    const clients: RawClient[] = [];
    try {
      const healthy: RawClient[] = [];
      for (let i = 0; i < HEALTHY; i++) {
        const c = await RawClient.tcp(port);
        await c.handshake();
        healthy.push(c);
        clients.push(c);
      }
      const healthySessions = server.sessions();
      for (const s of healthySessions) room.add(s);
      const slowClients: RawClient[] = [];
      for (let i = 0; i < SLOW; i += 100) {
        const batch = await Promise.all(Array.from({ length: 100 }, () => RawClient.tcp(port)));
        await Promise.all(batch.map((c) => c.handshake()));
        slowClients.push(...batch);
        clients.push(...batch);
      }
      // A round trip per client: the server has processed every ack.
      await Promise.all(slowClients.map((c) => c.response(c.request('x.ping'))));
      const slow = server.sessions().filter((s) => !healthySessions.includes(s));
      const socketOf = (s: Session) => (linkOf(s) as TcpConnection).socket;
      expect(slow).toHaveLength(SLOW);
      // Deterministic slow consumers without filling kernel buffers: a corked socket keeps what is written to it
      // queued (writableLength), so one 2 KiB push leaves each over maxOutboundBuffer (1 KiB).
      const fill = new Group('fill');
      for (const s of slow) {
        socketOf(s).cork();
        fill.add(s);
        room.add(s);
      }
      expect(fill.broadcast('fill', 'x'.repeat(2048))).toBe(SLOW);
      expect(slow.every((s) => socketOf(s).writableLength > 1024)).toBe(true);

      // Each slow member is cut, and its listener broadcasts onLeave to the room.
      expect(room.broadcast('hello', {})).toBe(HEALTHY);
      expect(closedIds).toEqual(slow.map((s) => s.id));
      expect(maxDepth).toBe(1);
      expect(server.sessionCount).toBe(HEALTHY);
      expect(slow.every((s) => s.closeCode === 'ERR_SLOW_CONSUMER')).toBe(true);
      expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
      for (const c of healthy) {
        expect(await c.push('hello')).toEqual({});
        const left: number[] = [];
        for (let i = 0; i < SLOW; i++) left.push(((await c.push('onLeave')) as { id: number }).id);
        expect(left).toEqual(closedIds);
      }
      await Promise.all(slowClients.map((c) => c.closed));
    } finally {
      for (const c of clients) c.tcp?.destroy();
      // close() used to hang after the overflow: bound the wait so that a failure is reported, not a timeout.
      const closed = server.close().then(() => 'closed');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hung = new Promise((r) => {
        timer = setTimeout(() => r('close() still pending after 10 s'), 10_000);
      });
      expect(await Promise.race([closed, hung])).toBe('closed');
      clearTimeout(timer);
    }
  }, 60_000);

  it('a logger that overflows the stack is called again on a fresh stack, so the line is not lost', async () => {
    let calls = 0;
    const lines: string[] = [];
    const logger = {
      ...recordingLogger(),
      error(message: string) {
        if (calls++ === 0) throw new RangeError('Maximum call stack size exceeded');
        lines.push(message);
      },
    };
    const server = new NanoServer({
      logger,
      onSessionClosed: () => {
        throw new Error('listener bug');
      },
    });
    server.register({ ping: () => 'pong' }, { name: 'x' });
    const { port } = await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
    try {
      const c = await RawClient.tcp(port);
      await c.handshake();
      c.close();
      await c.closed;
      for (let i = 0; i < 500 && server.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 10));
      expect(lines).toEqual(['session-closed hook failed']);
    } finally {
      await server.close();
    }
  });
});
