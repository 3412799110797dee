// Heartbeats, kick, handshake validation, limits, slow consumers and pipeline hooks over real sockets.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { encodeHandshakeRequest, encodePacket, PacketType, parseKick } from '@nanokit/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NanoServer, type NanoServerOptions, type Session, TcpSession, WsSession } from '../src/index.js';
import { RawClient, recordingLogger } from './raw-client.js';

class Game {
  kickMe(session: Session, body: { reason: string }) {
    session.push('onBye', { soon: true });
    session.kick(body.reason);
  }
  closeMe(session: Session) {
    session.close();
  }
  whoami(session: Session) {
    return { uid: session.uid ?? null, token: session.get('token') ?? null };
  }
  flood(session: Session, body: { size: number; max: number }) {
    const blob = 'x'.repeat(body.size);
    let pushed = 0;
    while (pushed < body.max && session.push('onFlood', blob)) pushed++;
    return { pushed };
  }
  ping() {
    return 'pong';
  }
}

const servers: NanoServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: NanoServerOptions = {}, tcp = false) {
  const logger = recordingLogger();
  const closed: Session[] = [];
  const server = new NanoServer({ logger, onSessionClosed: (s) => closed.push(s), ...options });
  servers.push(server);
  server.register(new Game(), { name: 'game' });
  const { port } = await server.listen({ port: 0, host: '127.0.0.1', tcp });
  const connect = () => (tcp ? RawClient.tcp(port) : RawClient.ws(`ws://127.0.0.1:${port}/`));
  return { server, logger, closed, port, connect };
}

describe('the deprecated transport classes', () => {
  it('are still values: instanceof WsSession / TcpSession tells the transport of a session', async () => {
    const ws = await start();
    const tcp = await start({}, true);
    for (const { connect } of [ws, tcp]) await (await connect()).handshake();
    const [wsSession] = ws.server.sessions();
    const [tcpSession] = tcp.server.sessions();
    expect(wsSession instanceof WsSession).toBe(true);
    expect(wsSession instanceof TcpSession).toBe(false);
    expect(tcpSession instanceof TcpSession).toBe(true);
    expect(tcpSession instanceof WsSession).toBe(false);
    expect({} instanceof WsSession).toBe(false);
    expect(Object.create(null) instanceof TcpSession).toBe(false);
  });
});

describe('heartbeat', () => {
  it('sends heartbeats to handshaken sessions and closes a silent one after two intervals', async () => {
    const { connect, closed } = await start({ heartbeat: 50 });
    const silent = await connect();
    await silent.handshake();
    await silent.next((p) => p.type === PacketType.Heartbeat, 'a heartbeat');
    const how = await silent.closed;
    expect(how.code).toBe(1006); // cut without a close frame
    expect(closed[0]?.closeCode).toBe('ERR_HEARTBEAT_TIMEOUT');
  });

  it('keeps a session that answers heartbeats', async () => {
    // Generous interval: only an event-loop stall of two intervals on a loaded machine could cut it.
    const { connect, closed } = await start({ heartbeat: 200 });
    const live = await connect();
    await live.handshake();
    for (let i = 0; i < 4; i++) {
      await live.next((p) => p.type === PacketType.Heartbeat, 'a heartbeat');
      live.send([3, 0, 0, 0]);
    }
    expect(live.isClosed).toBe(false);
    expect(closed).toEqual([]);
    live.close();
  });

  it('also reaps connections that never handshake', async () => {
    const { connect, closed } = await start({ heartbeat: 40 }, true);
    const mute = await connect();
    await mute.closed;
    expect(closed[0]?.closeCode).toBe('ERR_HEARTBEAT_TIMEOUT');
  });
});

describe.each([false, true])('kick and close (tcp: %s)', (tcp) => {
  it('kick flushes earlier pushes and a Kick {"reason"} before closing', async () => {
    const { connect, closed } = await start({}, tcp);
    const c = await connect();
    await c.handshake();
    c.request('game.kickMe', { reason: 'cheating' });
    const how = await c.closed;
    expect(await c.push('onBye')).toEqual({ soon: true });
    const kick = await c.next((p) => p.type === PacketType.Kick);
    expect(Buffer.from(kick.body).toString()).toBe('{"reason":"cheating"}');
    if (!tcp) expect(how.code).toBe(1000);
    expect(closed[0]?.closeCode).toBe('ERR_KICKED');
    expect(closed[0]?.closed).toBe(true);
    expect(closed[0]?.push('late', 1)).toBe(false);
  });

  it('close() ends the session without a Kick', async () => {
    const { connect, closed } = await start({}, tcp);
    const c = await connect();
    await c.handshake();
    c.request('game.closeMe');
    await c.closed;
    expect(c.packets.some((p) => p.type === PacketType.Kick)).toBe(false);
    expect(closed[0]?.closeCode).toBe('ERR_SESSION_CLOSED_BY_SERVER');
  });
});

describe('handshake validator', () => {
  it('refuses with the code it returns (async) and closes', async () => {
    const { connect, closed } = await start({
      handshakeValidator: async (_s, req) => {
        await new Promise((r) => setTimeout(r, 5));
        return (req.user as { token?: string } | undefined)?.token === 'good' ? true : 401;
      },
    });
    const bad = await connect();
    bad.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest({ user: { token: 'bad' } })));
    const reply = await bad.next((p) => p.type === PacketType.Handshake);
    expect(Buffer.from(reply.body).toString()).toBe('{"code":401}');
    expect((await bad.closed).code).toBe(1008);
    expect(closed[0]?.closeCode).toBe('ERR_HANDSHAKE_REJECTED');
    await expect(bad.handshake({ token: 'bad' })).rejects.toThrow();
  });

  it('accepts, and may bind and set data on the session', async () => {
    const { connect } = await start({
      handshakeValidator: (session, req) => {
        const token = (req.user as { token: string }).token;
        session.bind(42);
        session.set('token', token);
      },
    });
    const c = await connect();
    const hs = await c.handshake({ token: 'abc' });
    expect(hs.code).toBe(200);
    const id = c.request('game.whoami');
    expect((await c.response(id)).body).toEqual({ uid: 42, token: 'abc' });
    c.close();
  });

  it('holds packets pipelined behind the handshake until an async validator accepts', async () => {
    const { connect } = await start({
      handshakeValidator: async (session) => {
        await new Promise((r) => setTimeout(r, 20));
        session.bind(5);
      },
    });
    const c = await connect();
    const route = Buffer.from('game.whoami');
    const request = Buffer.from([0x00, 0x01, route.length, ...route]);
    // Handshake, ack and a request in one write, as a client that does not wait for the reply would send them.
    c.send(
      Buffer.concat([
        Buffer.from(encodePacket(PacketType.Handshake, encodeHandshakeRequest({}))),
        Buffer.from([2, 0, 0, 0]),
        Buffer.from([4, 0, 0, request.length]),
        request,
      ]),
    );
    expect((await c.next()).type).toBe(PacketType.Handshake);
    expect((await c.response(1)).body).toEqual({ uid: 5, token: null });
    c.close();
  });

  it('a throwing validator refuses with 500', async () => {
    const { connect } = await start({
      handshakeValidator: () => {
        throw new Error('no');
      },
    });
    const c = await connect();
    c.send([1, 0, 0, 0]);
    const reply = await c.next();
    expect(Buffer.from(reply.body).toString()).toBe('{"code":500}');
    await c.closed;
  });
});

describe('limits', () => {
  it('refuses connections beyond maxConnections (ws: HTTP 503, tcp: closed)', async () => {
    const ws = await start({ maxConnections: 2 });
    const a = await ws.connect();
    const b = await ws.connect();
    await expect(ws.connect()).rejects.toThrow('HTTP 503');
    a.close();
    await a.closed;
    // A slot is free again once a socket has closed.
    for (let i = 0; i < 50 && ws.server.sessionCount > 1; i++) await new Promise((r) => setTimeout(r, 10));
    const c = await ws.connect();
    await c.handshake();
    b.close();
    c.close();

    const tcp = await start({ maxConnections: 1 }, true);
    const t1 = await tcp.connect();
    await t1.handshake();
    const t2 = await tcp.connect();
    await t2.closed;
    expect(t1.isClosed).toBe(false);
    expect(tcp.logger.entries.some((e) => e.context?.['code'] === 'ERR_TOO_MANY_CONNECTIONS')).toBe(true);
    t1.close();
  });

  it('kicks a session over the inbound rate limit', async () => {
    const { connect, closed } = await start({ rateLimit: { messages: 5, interval: 60_000 } });
    const c = await connect();
    await c.handshake();
    for (let i = 0; i < 6; i++) c.request('game.ping');
    const how = await c.closed;
    expect(how.code).toBe(1008);
    const kick = await c.next((p) => p.type === PacketType.Kick);
    expect(parseKick(kick.body).reason).toContain('more than 5 messages');
    expect(closed[0]?.closeCode).toBe('ERR_RATE_LIMITED');
    // The first five were answered.
    for (let id = 1; id <= 5; id++) expect((await c.response(id)).body).toBe('pong');
  });

  it('times rate-limit windows with the monotonic clock: a wall-clock step back does not kick a client', async () => {
    const { connect, closed } = await start({ rateLimit: { messages: 3, interval: 40 } }, true);
    const c = await connect();
    await c.handshake();
    const realNow = Date.now;
    try {
      for (let round = 0; round < 3; round++) {
        // Three requests per window at most, each round in a new window (a wait of twice the interval).
        const ids = [c.request('game.ping'), c.request('game.ping'), c.request('game.ping')];
        for (const id of ids) expect((await c.response(id)).body).toBe('pong');
        // The wall clock steps back a minute after the first round (NTP correction, VM resume).
        if (round === 0) vi.spyOn(Date, 'now').mockImplementation(() => realNow.call(Date) - 60_000);
        await new Promise((r) => setTimeout(r, 80));
      }
    } finally {
      vi.restoreAllMocks();
    }
    expect(c.isClosed).toBe(false);
    expect(closed).toEqual([]);
    c.close();
  });

  it.each([false, true])('closes a slow consumer instead of buffering without bound (tcp: %s)', async (tcp) => {
    const { connect, closed, server } = await start({ maxOutboundBuffer: 256 * 1024 }, tcp);
    const c = await connect();
    await c.handshake();
    const sessions = server.sessions();
    // Stop reading: the kernel buffers fill, then the server-side buffer grows.
    if (c.tcp) c.tcp.pause();
    else c.ws?.pause();
    c.request('game.flood', { size: 16 * 1024, max: 4000 });
    for (let i = 0; i < 500 && closed.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(closed[0]?.closeCode).toBe('ERR_SLOW_CONSUMER');
    expect(sessions[0]?.closed).toBe(true);
    if (c.tcp) c.tcp.resume();
    else c.ws?.resume();
    await c.closed;
  });

  it('rejects an oversized packet configured by maxPacketSize, and accepts one at the limit', async () => {
    const { connect, closed } = await start({ maxPacketSize: 100 }, true);
    const c = await connect();
    await c.handshake();
    const at = Buffer.alloc(100, 0x20);
    Buffer.from([0x00, 0x01, 0x09, ...Buffer.from('game.ping'), 0x31]).copy(at);
    c.send([4, 0, 0, 100, ...at]);
    expect((await c.response(1)).body).toBe('pong');
    c.send([4, 0, 0, 101]);
    await c.closed;
    expect(closed[0]?.closeReason).toContain('ERR_PACKET_TOO_LARGE');
  });
});

describe('pipeline hooks', () => {
  it('see, rewrite and drop inbound and outbound messages', async () => {
    const seen: string[] = [];
    const { connect } = await start({
      pipeline: {
        inbound: [
          (_s, m) => {
            seen.push(`in:${m.route}`);
            if (m.route === 'game.drop') return false;
            if (m.route === 'game.alias') return { ...m, route: 'game.ping' };
            return undefined;
          },
        ],
        outbound: [
          (_s, m) => {
            seen.push(`out:${m.type}:${m.route}`);
            if (m.route === 'game.whoami') return { ...m, body: '"rewritten"' };
            return undefined;
          },
        ],
      },
    });
    const c = await connect();
    await c.handshake();
    c.request('game.drop');
    const alias = c.request('game.alias');
    expect((await c.response(alias)).body).toBe('pong');
    const who = c.request('game.whoami');
    expect((await c.response(who)).body).toBe('rewritten');
    expect(seen).toEqual(['in:game.drop', 'in:game.alias', 'out:2:game.ping', 'in:game.whoami', 'out:2:game.whoami']);
    c.close();
  });
});

describe('a throwing pipeline hook', () => {
  it('on a Response answers the request PIT-500 without running the outbound hooks again; on a Push drops it', async () => {
    const seen: string[] = [];
    const { connect, logger, server } = await start({
      pipeline: {
        outbound: [
          (_s, m) => {
            seen.push(`${m.route}${m.error ? ':error' : ''}`);
            if (m.route === 'game.ping' || m.route === 'onPush') throw new Error('metrics backend down');
            return undefined;
          },
        ],
      },
    });
    const c = await connect();
    await c.handshake();
    const res = await c.response(c.request('game.ping'));
    expect(res.error).toBe(true);
    expect(res.body).toEqual({ code: 'PIT-500', msg: 'outbound pipeline failed' });
    // The hook saw the handler's response once, and not the PIT-500 that replaced it.
    expect(seen).toEqual(['game.ping']);
    expect(logger.entries.some((e) => e.level === 'error' && e.message === 'pipeline hook threw')).toBe(true);
    // A push the hook throws on is not sent; other messages pass.
    expect((server.sessions()[0] as Session).push('onPush', { n: 1 })).toBe(false);
    expect((await c.response(c.request('game.whoami'))).body).toEqual({ uid: null, token: null });
    expect(c.packets.filter((p) => p.type === PacketType.Data)).toEqual([]);
    expect(c.isClosed).toBe(false);
    c.close();
  });
});

describe('attach to an http server', () => {
  /** A promise the test settles by hand. */
  function gate() {
    let open!: () => void;
    let fail!: (error: Error) => void;
    const promise = new Promise<void>((resolve, reject) => {
      open = resolve;
      fail = reject;
    });
    return { promise, open, fail };
  }

  async function attached(init: () => Promise<void>) {
    const http = createServer();
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const logger = recordingLogger();
    const server = new NanoServer({ logger, heartbeat: 100 });
    servers.push(server);
    class Store {
      db: unknown;
      async init() {
        await init();
        this.db = { ready: true };
      }
      Get() {
        return { db: this.db ?? 'NOT INITIALISED' };
      }
    }
    server.register(new Store());
    const upgrades: Array<{ sessions: number }> = [];
    // Runs after the endpoint's own upgrade listener: what the endpoint did with the upgrade at once.
    http.on('upgrade', () => upgrades.push({ sessions: server.sessionCount }));
    server.attach(http, { path: '/nano' });
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/nano`;
    return { http, server, logger, url, upgrades };
  }

  it('holds upgrades that arrive while init runs, then serves them once the hooks are done', async () => {
    const hooks = gate();
    const { http, server, url, upgrades } = await attached(() => hooks.promise);
    try {
      let opened = false;
      const connecting = RawClient.ws(url).then((c) => {
        opened = true;
        return c;
      });
      for (let i = 0; i < 500 && upgrades.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, 20));
      // No session was opened for it while init runs (it used to be served at once, its handlers before init).
      expect(upgrades).toEqual([{ sessions: 0 }]);
      expect(opened).toBe(false);
      expect(server.sessionCount).toBe(0);
      hooks.open();
      await server.ready();
      const c = await connecting;
      await c.handshake();
      expect((await c.response(c.request('Store.Get'))).body).toEqual({ db: { ready: true } });
      // The heartbeat timer runs.
      await c.next((p) => p.type === PacketType.Heartbeat, 'a heartbeat');
      c.close();
    } finally {
      hooks.open(); // close() waits for the hooks
      await server.close();
      http.close();
    }
  });

  it('refuses every upgrade with 503 when init fails, held or new, and ready() rejects with the error', async () => {
    const hooks = gate();
    const { http, server, logger, url, upgrades } = await attached(() => hooks.promise);
    try {
      const held = RawClient.ws(url);
      held.catch(() => undefined);
      for (let i = 0; i < 500 && upgrades.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
      hooks.fail(new Error('db down'));
      await expect(held).rejects.toThrow('HTTP 503');
      await expect(server.ready()).rejects.toThrow('db down');
      await expect(RawClient.ws(url)).rejects.toThrow('HTTP 503');
      expect(server.sessionCount).toBe(0);
      expect(logger.entries.some((e) => e.message === 'lifetime hooks failed')).toBe(true);
      await expect(server.listen({ tcp: true, port: 0, host: '127.0.0.1' })).rejects.toThrow('db down');
    } finally {
      await server.close();
      http.close();
    }
  });

  it('serves the WebSocket on its path next to ordinary requests, with an origin check', async () => {
    const http = createServer((_req, res) => res.end('page'));
    const server = new NanoServer({
      logger: recordingLogger(),
      checkOrigin: (origin) => origin === undefined || origin === 'http://good.example',
    });
    servers.push(server);
    server.register(new Game(), { name: 'game' });
    const info = await server.listen({ server: http, path: '/nano' });
    expect(info.port).toBe(0); // not listening yet
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('page');
      const c = await RawClient.ws(`ws://127.0.0.1:${port}/nano?v=1`, { origin: 'http://good.example' });
      await c.handshake();
      const id = c.request('game.ping');
      expect((await c.response(id)).body).toBe('pong');
      await expect(RawClient.ws(`ws://127.0.0.1:${port}/nano`, { origin: 'http://evil.example' })).rejects.toThrow(
        'HTTP 403',
      );
      await expect(RawClient.ws(`ws://127.0.0.1:${port}/other`)).rejects.toThrow('HTTP 404');
      c.close();
      await server.close();
      // The attached http server is left running.
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('page');
    } finally {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });

  it('serves wss when attached to an https server', async () => {
    const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
    const cert = fixture('localhost-cert.pem');
    const https = createHttpsServer({ key: fixture('localhost-key.pem'), cert });
    const server = new NanoServer({ logger: recordingLogger() });
    servers.push(server);
    server.register(new Game(), { name: 'game' }).attach(https, { path: '/nano' });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    const port = (https.address() as { port: number }).port;
    try {
      const c = await RawClient.ws(`wss://127.0.0.1:${port}/nano`, {}, { ca: cert });
      await c.handshake();
      expect((await c.response(c.request('game.ping'))).body).toBe('pong');
      c.close();
      await c.closed;
    } finally {
      https.closeAllConnections();
      await new Promise((r) => https.close(r));
    }
  });
});

describe('several endpoints on one http server', () => {
  /** An http server (port 0) with endpoints of NanoServers `a` and `b`, attached in the order given. */
  async function shared(endpoints: Array<['a' | 'b', string | undefined]>) {
    const http = createServer((_req, res) => res.end('page'));
    const named = {
      a: new NanoServer({ logger: recordingLogger() }),
      b: new NanoServer({ logger: recordingLogger() }),
    };
    for (const [name, server] of Object.entries(named)) {
      servers.push(server);
      server.register({ who: () => name }, { name: 'x' });
    }
    for (const [name, path] of endpoints) named[name].attach(http, path === undefined ? {} : { path });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    // handshakeTimeout only bounds a hang: an answered upgrade settles at once.
    const open = (path: string) => RawClient.ws(`ws://127.0.0.1:${port}${path}`, {}, { handshakeTimeout: 5000 });
    /** Which server answers on `path`. */
    const who = async (path: string) => {
      const c = await open(path);
      await c.handshake();
      const { body } = await c.response(c.request('x.who'));
      c.close();
      await c.closed;
      return body;
    };
    const stop = async () => {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    };
    return { http, port, open, who, stop };
  }

  it('routes each path to its endpoint and refuses a path none serves with 404', async () => {
    const { open, who, stop } = await shared([
      ['a', '/a'],
      ['a', '/b'],
      ['b', '/c'],
    ]);
    try {
      expect([await who('/a'), await who('/b'), await who('/c?v=1')]).toEqual(['a', 'a', 'b']);
      await expect(open('/other')).rejects.toThrow('HTTP 404');
      await expect(open('/a/')).rejects.toThrow('HTTP 404');
    } finally {
      await stop();
    }
  });

  it('gives a path to the endpoint serving exactly it before one that accepts every path', async () => {
    for (const order of [
      [
        ['b', undefined],
        ['a', '/a'],
      ],
      [
        ['a', '/a'],
        ['b', undefined],
      ],
    ] as Array<Array<['a' | 'b', string | undefined]>>) {
      const { who, stop } = await shared(order);
      try {
        expect([await who('/a'), await who('/other')]).toEqual(['a', 'b']);
      } finally {
        await stop();
      }
    }
  });

  it('leaves a path it does not serve to a foreign upgrade listener; a reset on it does not crash', async () => {
    const { http, port, stop } = await shared([['a', '/a']]);
    try {
      const seen = new Promise<Duplex>((resolve) => http.on('upgrade', (_req, socket: Duplex) => resolve(socket)));
      const raw = connect(port, '127.0.0.1');
      raw.on('error', () => {});
      raw.write(
        'GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      const socket = await seen;
      expect(socket.destroyed).toBe(false); // not answered: the foreign listener owns it
      const closed = new Promise((resolve) => socket.on('close', resolve));
      raw.resetAndDestroy();
      await closed; // ECONNRESET on a socket without an error listener would be an uncaught exception
    } finally {
      await stop();
    }
  });
});

describe('large packets', () => {
  it('writes a response larger than maxOutboundBuffer when nothing is queued', async () => {
    const { connect, closed } = await start({ maxOutboundBuffer: 1024 });
    const c = await connect();
    await c.handshake();
    const id = c.request('game.flood', { size: 64 * 1024, max: 1 });
    // The single 64 KiB push goes out; the response after it is queued behind it or written once it drained.
    const push = await c.push('onFlood');
    expect((push as string).length).toBe(64 * 1024);
    if (closed.length === 0) expect((await c.response(id)).body).toEqual({ pushed: 1 });
    else expect(closed[0]?.closeCode).toBe('ERR_SLOW_CONSUMER');
    c.close();
  });
});
