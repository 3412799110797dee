// Requests, notifies, pushes, route naming, error responses and the handshake reply, over real ws and TCP sockets.
import { MessageType, PacketType } from '@nanokit/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { HandlerError, NanoServer, type Session } from '../src/index.js';
import { RawClient, recordingLogger } from './raw-client.js';

class Room {
  notes: unknown[] = [];
  Join(session: Session, body: { name: string }) {
    session.bind(7);
    session.set('name', body.name);
    return { code: 0, uid: session.uid, name: session.get('name') };
  }
  Note(session: Session, body: unknown) {
    this.notes.push(body);
    session.push('onNote', { got: body });
  }
  Nothing() {
    return undefined;
  }
  async Slow(_s: Session, body: { wait: number; tag: string }) {
    await new Promise((r) => setTimeout(r, body.wait));
    return { tag: body.tag };
  }
  Fail() {
    throw new Error('boom');
  }
  Cyclic() {
    const o: Record<string, unknown> = {};
    o['self'] = o;
    return o;
  }
  async Big() {
    return { n: BigInt(1) };
  }
  async Refuse() {
    throw new HandlerError('ROOM-403', 'room is full', { capacity: 2 });
  }
  init() {
    throw new Error('lifetime methods are not handlers; init is called, and this throw would fail listen');
  }
}

const servers: NanoServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(transport: 'ws' | 'tcp', options: ConstructorParameters<typeof NanoServer>[0] = {}) {
  const logger = recordingLogger();
  const server = new NanoServer({ logger, ...options });
  servers.push(server);
  const room = new Room();
  (room as { init?: unknown }).init = undefined; // shadow the throwing prototype hook
  server.register(room, { name: 'room', nameFunc: (m) => m.toLowerCase() });
  const info =
    transport === 'ws'
      ? await server.listen({ port: 0, host: '127.0.0.1', path: '/nano' })
      : await server.listen({ tcp: true, port: 0, host: '127.0.0.1' });
  const connect = () =>
    transport === 'ws' ? RawClient.ws(`ws://127.0.0.1:${info.port}/nano`) : RawClient.tcp(info.port);
  return { server, room, info, logger, connect };
}

describe.each(['ws', 'tcp'] as const)('dispatch over %s', (transport) => {
  it('answers requests, takes notifies, pushes, and names routes with nameFunc', async () => {
    const { server, room, connect } = await start(transport, { dictionary: { 'room.join': 1, onNote: 9 } });
    expect(server.routes().sort()).toEqual([
      'room.big',
      'room.cyclic',
      'room.fail',
      'room.join',
      'room.note',
      'room.nothing',
      'room.refuse',
      'room.slow',
    ]);
    const c = await connect();
    const hs = await c.handshake();
    expect(hs.dict).toEqual({ 'room.join': 1, onNote: 9 });
    const id = c.request('room.join', { name: 'ann' });
    expect((await c.response(id)).body).toEqual({ code: 0, uid: 7, name: 'ann' });

    c.notify('room.note', { n: 1 });
    const push = await c.next((p) => p.type === PacketType.Data);
    // Compressed push route: flag 0x07, code 00 09.
    expect(Array.from(push.body.subarray(0, 3))).toEqual([0x07, 0x00, 0x09]);
    expect(room.notes).toEqual([{ n: 1 }]);

    // A compressed inbound route is resolved through the dictionary.
    c.send([0x04, 0x00, 0x00, 0x11, 0x01, 0x05, 0x00, 0x01, ...Buffer.from('{"name":"bo"}')]);
    expect((await c.response(5)).body).toEqual({ code: 0, uid: 7, name: 'bo' });
    c.close();
  });

  it('never sends an empty response body: undefined becomes null', async () => {
    const { connect } = await start(transport);
    const c = await connect();
    await c.handshake();
    const id = c.request('room.nothing');
    const r = await c.response(id);
    expect(r.body).toBeNull();
    expect(Buffer.from(r.raw.body).toString()).toBe('null');
    c.close();
  });

  it('answers async handlers with the right ids when they finish out of order', async () => {
    const { connect } = await start(transport);
    const c = await connect();
    await c.handshake();
    const slow = c.request('room.slow', { wait: 80, tag: 'slow' });
    const fast = c.request('room.slow', { wait: 1, tag: 'fast' });
    const sync = c.request('room.join', { name: 'x' });
    const first = await c.message((m) => m.type === MessageType.Response);
    const order = [first.id];
    const rest = await Promise.all([c.response(slow), c.response(fast)]);
    expect(rest.map((r) => r.body)).toEqual([{ tag: 'slow' }, { tag: 'fast' }]);
    expect(order[0]).not.toBe(slow);
    expect([slow, fast, sync]).toContain(order[0]);
    c.close();
  });

  it('answers unknown routes, handler errors, bad bodies and HandlerErrors with flag 0x20 error responses', async () => {
    const { connect, logger } = await start(transport);
    const c = await connect();
    await c.handshake();
    const unknown = c.request('room.nope', {});
    const fail = c.request('room.fail', {});
    const refuse = c.request('room.refuse', {});
    c.send(encodeRawRequest(99, 'room.join', '{not json'));
    const r404 = await c.response(unknown);
    expect(r404.error).toBe(true);
    expect(r404.body).toEqual({ code: 'PIT-404', msg: 'no handler for route "room.nope"' });
    expect(await c.response(fail)).toMatchObject({ error: true, body: { code: 'PIT-500', msg: 'boom' } });
    expect(await c.response(refuse)).toMatchObject({
      error: true,
      body: { code: 'ROOM-403', msg: 'room is full', metadata: { capacity: 2 } },
    });
    expect(await c.response(99)).toMatchObject({ error: true, body: { code: 'PIT-400' } });
    // Results that cannot be serialized, sync or async, are answered with PIT-500 (never an unhandled rejection).
    const cyclic = c.request('room.cyclic', {});
    const big = c.request('room.big', {});
    expect(await c.response(cyclic)).toMatchObject({ error: true, body: { code: 'PIT-500' } });
    expect(await c.response(big)).toMatchObject({ error: true, body: { code: 'PIT-500' } });
    // Flag byte of an error response: Response (0x04) | error (0x20).
    expect(r404.raw.error && r404.raw.type === MessageType.Response).toBe(true);
    expect(logger.entries.some((e) => e.level === 'error' && e.message === 'handler failed')).toBe(true);
    expect(logger.entries.some((e) => e.message === 'no handler for route')).toBe(true);
    // The connection is still usable.
    const ok = c.request('room.join', { name: 'z' });
    expect((await c.response(ok)).body).toMatchObject({ code: 0 });
    c.close();
  });
});

describe('emoji in what the server writes as JSON besides bodies', () => {
  it('error responses and kick reasons escape characters above U+FFFF, as the default serializer does', async () => {
    const { server, connect } = await start('tcp');
    server.register(
      {
        full() {
          throw new HandlerError('ROOM-403', 'room 🎮 is full');
        },
        bye(session: Session) {
          session.kick('bye 👋');
        },
      },
      { name: 'emoji' },
    );
    const c = await connect();
    await c.handshake();
    // The deployed JS clients read at most 3-byte UTF-8 sequences (docs/protocol.md#utf-8): no byte may lead a 4-byte one.
    const noFourByteSequence = (bytes: Uint8Array) => expect(bytes.some((b) => b >= 0xf0)).toBe(false);
    const refused = await c.response(c.request('emoji.full', {}));
    expect(refused).toMatchObject({ error: true, body: { code: 'ROOM-403', msg: 'room 🎮 is full' } });
    noFourByteSequence(refused.raw.body);
    c.request('emoji.bye', {});
    const kick = await c.next((p) => p.type === PacketType.Kick, 'the kick');
    expect(JSON.parse(Buffer.from(kick.body).toString('utf8'))).toEqual({ reason: 'bye 👋' });
    noFourByteSequence(kick.body);
  });
});

describe('request id 0', () => {
  it('runs the handler but sends no response, not even an error response, as nano does', async () => {
    const { room, connect, logger } = await start('tcp');
    const c = await connect();
    await c.handshake();
    c.request('room.note', { n: 0 }, 0);
    c.request('room.fail', {}, 0);
    c.request('room.nope', {}, 0);
    const ok = c.request('room.join', { name: 'a' }, 1);
    expect(await c.push('onNote')).toEqual({ got: { n: 0 } });
    expect(room.notes).toEqual([{ n: 0 }]);
    // Everything sent for the id-0 requests would have come before the response to request 1.
    expect((await c.response(ok)).body).toMatchObject({ code: 0 });
    expect(c.packets).toEqual([]);
    expect(logger.entries.filter((e) => e.message.startsWith('request with id 0'))).toHaveLength(3);
    c.close();
  });
});

describe('handler failures that resist conversion', () => {
  class Odd {
    async rejectBare() {
      throw Object.create(null); // String() cannot convert it
    }
    throwBare() {
      throw Object.create(null);
    }
    badThen() {
      return {
        // biome-ignore lint/suspicious/noThenProperty: a thenable whose then cannot be read, on purpose
        get then() {
          throw new Error('then getter threw');
        },
      };
    }
    twice() {
      return {
        // biome-ignore lint/suspicious/noThenProperty: a thenable that calls back twice, on purpose
        then(ok: (v: unknown) => void) {
          ok(1);
          ok(2);
        },
      };
    }
    async notifyBare() {
      throw Object.create(null);
    }
  }
  const internal = (msg: string) => ({ error: true, body: { code: 'PIT-500', msg } });

  it('answers PIT-500 for values String() cannot convert, sync or async, and keeps the connection', async () => {
    const { server, connect, logger } = await start('tcp');
    server.register(new Odd(), { name: 'odd' });
    const c = await connect();
    await c.handshake();
    const rejected = c.request('odd.rejectBare', {});
    const thrown = c.request('odd.throwBare', {});
    const badThen = c.request('odd.badThen', {});
    c.notify('odd.notifyBare', {});
    expect(await c.response(rejected)).toMatchObject(internal('[object Object]'));
    expect(await c.response(thrown)).toMatchObject(internal('[object Object]'));
    expect(await c.response(badThen)).toMatchObject(internal('then getter threw'));
    // A thenable that calls back twice is answered once.
    const twice = c.request('odd.twice', {});
    expect((await c.response(twice)).body).toBe(1);
    expect((await c.response(c.request('room.join', { name: 'a' }))).body).toMatchObject({ code: 0 });
    expect(c.packets).toEqual([]);
    expect(server.sessionCount).toBe(1);
    expect(logger.entries.filter((e) => e.message === 'handler failed')).toHaveLength(4);
    c.close();
  });

  it('is not disturbed by a logger that throws', async () => {
    const throwing = () => {
      throw new Error('logger down');
    };
    const { server, connect } = await start('tcp', {
      logger: { debug: throwing, info: throwing, warn: throwing, error: throwing },
    });
    server.register(new Odd(), { name: 'odd' });
    const c = await connect();
    await c.handshake();
    const rejected = c.request('odd.rejectBare', {});
    const failed = c.request('room.fail', {});
    const unknown = c.request('room.nope', {});
    c.notify('odd.notifyBare', {});
    expect(await c.response(rejected)).toMatchObject(internal('[object Object]'));
    expect(await c.response(failed)).toMatchObject(internal('boom'));
    expect(await c.response(unknown)).toMatchObject({ error: true, body: { code: 'PIT-404' } });
    expect((await c.response(c.request('room.join', { name: 'a' }))).body).toMatchObject({ code: 0 });
    expect(server.sessionCount).toBe(1);
    c.close();
  });
});

function encodeRawRequest(id: number, route: string, text: string): Uint8Array {
  const r = Buffer.from(route);
  const b = Buffer.from(text);
  const body = Buffer.concat([Buffer.from([0x00, id, r.length]), r, b]);
  const head = Buffer.from([0x04, 0, (body.length >> 8) & 0xff, body.length & 0xff]);
  return Buffer.concat([head, body]);
}

describe('strict nano mode', () => {
  it('errorResponses: false sends nothing for failed requests', async () => {
    const { connect } = await start('ws', { errorResponses: false });
    const c = await connect();
    await c.handshake();
    c.request('room.nope', {});
    c.request('room.fail', {});
    const ok = c.request('room.join', { name: 'q' });
    const first = await c.message((m) => m.type === MessageType.Response);
    expect(first.id).toBe(ok);
    expect(first.error).toBe(false);
    c.close();
  });
});

describe('handshake reply', () => {
  it('is byte-exact like nano: sorted keys, heartbeat in seconds, dict, servertime = start time', async () => {
    const { server, connect } = await start('ws', { heartbeat: 1500, dictionary: { 'Room.Join': 1, onMessage: 2 } });
    const c = await connect();
    c.send(encodePacketBytes(1, '{"sys":{"type":"js-websocket","version":"0.0.1","rsa":{}}}'));
    const reply = await c.next();
    expect(reply.type).toBe(PacketType.Handshake);
    expect(Buffer.from(reply.body).toString()).toBe(
      `{"code":200,"sys":{"dict":{"Room.Join":1,"onMessage":2},"heartbeat":1.5,"servertime":${server.startTime}}}`,
    );
    c.close();
  });
});

function encodePacketBytes(type: number, text: string): Uint8Array {
  const b = Buffer.from(text);
  return Buffer.concat([Buffer.from([type, 0, (b.length >> 8) & 0xff, b.length & 0xff]), b]);
}
