// End to end: @nanokit/client against @nanokit/server-lite over real WebSocket and TCP sockets.
import { HandshakeError, isNanoError, NanoClient, ServerError, tcpTransport } from '@nanokit/client/node';
import { Group, HandlerError, NanoServer, type NanoServerOptions, type Session } from '@nanokit/server-lite';
import { afterEach, describe, expect, it } from 'vitest';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

class Room {
  readonly group = new Group('room');
  join(session: Session, body: { name: string }) {
    session.bind(session.id);
    session.set('name', body.name);
    this.group.broadcast('onJoin', { name: body.name });
    this.group.add(session);
    return { code: 0, members: this.group.count() };
  }
  say(session: Session, body: { text: string }) {
    this.group.broadcast('onMessage', { from: session.get('name'), text: body.text });
  }
  async wait(_s: Session, body: { ms: number }) {
    await new Promise((r) => setTimeout(r, body.ms));
    return { waited: body.ms };
  }
  fail() {
    throw new Error('handler exploded');
  }
  deny() {
    throw new HandlerError('ROOM-403', 'not allowed');
  }
  kickme(session: Session) {
    session.kick('you asked for it');
  }
}

const servers: NanoServer[] = [];
const clients: NanoClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(transport: 'ws' | 'tcp', options: NanoServerOptions = {}) {
  const server = new NanoServer({ logger: quiet, dictionary: { 'room.join': 1, onMessage: 2 }, ...options });
  servers.push(server);
  server.register(new Room(), { name: 'room' });
  const { port } = await server.listen({ port: 0, host: '127.0.0.1', path: '/nano', tcp: transport === 'tcp' });
  const client = () => {
    const c =
      transport === 'ws'
        ? new NanoClient({ url: `ws://127.0.0.1:${port}/nano`, reconnect: false, requestTimeout: 5000 })
        : new NanoClient({
            url: `tcp://127.0.0.1:${port}`,
            transport: tcpTransport(),
            reconnect: false,
            requestTimeout: 5000,
          });
    clients.push(c);
    return c;
  };
  return { server, client, port };
}

describe.each(['ws', 'tcp'] as const)('@nanokit/client ↔ server-lite over %s', (transport) => {
  it('requests, notifies and (compressed) pushes reach the right places', async () => {
    const { client } = await setup(transport);
    const a = client();
    const b = client();
    const hs = await a.connect();
    expect(hs.dict).toEqual({ 'room.join': 1, onMessage: 2 });
    await b.connect();
    expect(await a.request('room.join', { name: 'ann' })).toEqual({ code: 0, members: 1 });
    const joined = new Promise((resolve) => a.on('onJoin', resolve));
    expect(await b.request('room.join', { name: 'bob' })).toEqual({ code: 0, members: 2 });
    expect(await joined).toEqual({ name: 'bob' });
    const heard = new Promise((resolve) => b.on('onMessage', resolve));
    a.notify('room.say', { text: 'hi' });
    expect(await heard).toEqual({ from: 'ann', text: 'hi' });
  });

  it('async handlers answering out of order resolve the right requests', async () => {
    const { client } = await setup(transport);
    const c = client();
    await c.connect();
    const order: number[] = [];
    const track = (p: Promise<unknown>, n: number) =>
      p.then((v) => {
        order.push(n);
        return v;
      });
    const results = await Promise.all([
      track(c.request('room.wait', { ms: 60 }), 60),
      track(c.request('room.wait', { ms: 1 }), 1),
      track(c.request('room.wait', { ms: 20 }), 20),
    ]);
    expect(results).toEqual([{ waited: 60 }, { waited: 1 }, { waited: 20 }]);
    expect(order[2]).toBe(60);
  });

  it('unknown routes and failing handlers reject with ServerError instead of hanging', async () => {
    const { client } = await setup(transport);
    const c = client();
    await c.connect();
    const e404 = await c.request('room.nope', {}).catch((e: unknown) => e);
    expect(e404).toBeInstanceOf(ServerError);
    expect((e404 as ServerError).serverCode).toBe('PIT-404');
    const e500 = (await c.request('room.fail', {}).catch((e: unknown) => e)) as ServerError;
    expect([e500.serverCode, e500.msg]).toEqual(['PIT-500', 'handler exploded']);
    const e403 = (await c.request('room.deny', {}).catch((e: unknown) => e)) as ServerError;
    expect([e403.serverCode, e403.msg]).toEqual(['ROOM-403', 'not allowed']);
    expect(await c.request('room.wait', { ms: 0 })).toEqual({ waited: 0 });
  });

  it('a kick reaches the client with its reason', async () => {
    const { client } = await setup(transport);
    const c = client();
    await c.connect();
    const kicked = new Promise<{ reason?: string }>((resolve) => c.on('kick', resolve));
    const gone = new Promise((resolve) => c.on('disconnect', resolve));
    c.request('room.kickme', {}).catch(() => undefined);
    expect((await kicked).reason).toBe('you asked for it');
    await gone;
  });

  it('graceful shutdown kicks connected clients with "server shutdown"', async () => {
    const { client, server } = await setup(transport);
    const c = client();
    await c.connect();
    const kicked = new Promise<{ reason?: string }>((resolve) => c.on('kick', resolve));
    await server.close();
    expect((await kicked).reason).toBe('server shutdown');
  });
});

describe('handshake and heartbeat with @nanokit/client', () => {
  it('a validator refusal surfaces as HandshakeError with the server code', async () => {
    const { client, port } = await setup('ws', {
      handshakeValidator: async (_s, req) =>
        (req.user as { token?: string } | undefined)?.token === 'ok' ? true : 401,
    });
    const bad = client();
    const error = await bad.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect(isNanoError(error)).toBe(true);
    expect((error as HandshakeError).serverCode).toBe(401);
    const good = new NanoClient({
      url: `ws://127.0.0.1:${port}/nano`,
      reconnect: false,
      handshake: { user: { token: 'ok' } },
    });
    clients.push(good);
    expect((await good.connect()).code).toBe(200);
    expect(await good.request('room.wait', { ms: 0 })).toEqual({ waited: 0 });
  });

  it('a client answering server heartbeats stays connected past the idle limit', async () => {
    const { client, server } = await setup('ws', { heartbeat: 200 });
    const c = client();
    const hs = await c.connect();
    expect(hs.heartbeat).toBe(0.2);
    let dropped = false;
    c.on('disconnect', () => {
      dropped = true;
    });
    // Stay idle for five intervals: the server cuts sessions silent for two, so only the client's heartbeat
    // replies keep this one alive.
    await new Promise((r) => setTimeout(r, 1000));
    expect(dropped).toBe(false);
    expect(server.sessionCount).toBe(1);
  });
});
