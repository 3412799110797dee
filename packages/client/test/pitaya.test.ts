// What pitaya does differently on the wire, over real sockets against the raw peer in its pitaya mode (./peer.ts,
// `pitaya`; checked against docs/servers.md):
// - compression (`handler.messages.compression`, on by default): the handshake reply is zlib (`78 9c`), whole and
//   without a flag, when that is smaller, and so is every Data body, with flag 0x10. The Node entry inflates with
//   node:zlib by itself; the browser entry needs the `inflate` option (`@nanokit/client/inflate`, fflate).
// - error bodies: pitaya serializes its Error {code, msg, metadata} with the session's serializer and sets flag 0x20,
//   so with protobuf the error body is protobuf (encoded here by protobufjs from pitaya's declaration of the message).
import { type ClientEvents, isNanoError, NanoClient, type NanoClientOptions, ServerError } from '@nanokit/client';
import { inflate } from '@nanokit/client/inflate';
import { nodeTransport } from '@nanokit/client/node';
import { jsonSerializer } from '@nanokit/protocol';
import { createProtobufSerializer } from '@nanokit/protocol/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePitayaError } from '../../protocol/test/fixtures/pitaya-error.js';
import { NanoClient as BrowserNanoClient } from '../src/client.js';
import { expectNothingLeft } from './nothing-left.js';
import { Peer, PeerError } from './peer.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A route dictionary long enough that pitaya's handshake reply is smaller compressed (then it starts `78 9c`). */
const DICT = Object.fromEntries(
  ['room.join', 'room.leave', 'room.message', 'room.members', 'onMessage', 'onJoin', 'onLeave'].map((r, i) => [
    r,
    i + 1,
  ]),
);

/** A pitaya peer with compression on (its default); `dict: false` keeps the handshake reply too small to compress. */
async function peer({ dict = true } = {}) {
  const p = await Peer.start({ pitaya: {}, ...(dict ? { dict: DICT } : {}) });
  cleanups.push(() => p.close());
  p.on('Echo.Echo', (body) => body);
  p.on('Fail.Fail', () => {
    throw new PeerError('PIT-500', `handler failed: ${'the same words again and again, '.repeat(20)}`);
  });
  return p;
}

function track<C extends { close(): void }>(client: C): C {
  cleanups.push(() => client.close());
  return client;
}

function next<E extends keyof ClientEvents>(c: NanoClient, event: E): Promise<ClientEvents[E]> {
  return new Promise((resolve) => c.once(event, resolve));
}

/** A body zlib shrinks (so the peer sends it compressed), with multi-byte UTF-8 in it. */
const BIG = { text: 'héllo 😀 世界 '.repeat(200), n: 42 };
/** A body zlib would grow: sent as is. */
const SMALL = { n: 1 };

const hex = (bytes: Uint8Array | undefined, n: number) =>
  Buffer.from((bytes as Uint8Array).subarray(0, n)).toString('hex');

describe('pitaya compression (zlib: handshake reply without a flag, Data bodies with flag 0x10)', () => {
  it('the Node entry inflates the zlib handshake reply, responses, error responses and pushes with no option', async () => {
    const p = await peer();
    const c = track(new NanoClient({ url: p.wsUrl, reconnect: false }));
    const hs = await c.connect();
    const conn = p.connection;
    expect(hex(conn.handshakeReply, 2)).toBe('789c'); // compressed: parsing it needed zlib
    expect(hs.heartbeat).toBe(30);
    expect(hs.serializer).toBe('json');
    expect(hs.dictionary.code('onMessage')).toBe(5);

    expect(await c.request('Echo.Echo', BIG)).toEqual(BIG);
    expect(conn.compressed).toBe(1);
    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
    expect(conn.compressed).toBe(1); // not worth compressing: sent plain, and read as such

    const failure = await c.request('Fail.Fail', {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ServerError);
    expect(failure).toMatchObject({ serverCode: 'PIT-500', msg: expect.stringMatching(/^handler failed: the same/) });
    expect(conn.compressed).toBe(2);

    const pushed = new Promise((resolve) => c.on('onMessage', resolve));
    conn.push('onMessage', BIG); // route compressed too (in the dictionary)
    expect(await pushed).toEqual(BIG);
    expect(conn.compressed).toBe(3);
    c.close();
    expectNothingLeft(c);
  });

  it('a handshake reply that zlib would not shrink is sent as JSON, as pitaya does', async () => {
    const p = await peer({ dict: false });
    const c = track(new NanoClient({ url: p.wsUrl, reconnect: false }));
    await c.connect();
    expect(Buffer.from(p.connection.handshakeReply as Uint8Array).toString()).toBe(
      '{"code":200,"sys":{"dict":{},"heartbeat":30,"serializer":"json"}}',
    );
    expect(await c.request('Echo.Echo', BIG)).toEqual(BIG);
  });

  it('the browser entry without inflate: a zlib handshake reply fails connect() with ERR_COMPRESSED_HANDSHAKE', async () => {
    const p = await peer();
    const c = track(new BrowserNanoClient({ url: p.wsUrl, transport: nodeTransport(), reconnect: false }));
    const failure = await c.connect().catch((e: unknown) => e);
    expect(isNanoError(failure, 'ERR_COMPRESSED_HANDSHAKE')).toBe(true);
    expect((failure as Error).message).toBe('handshake: zlib body: pass the inflate option');
    expect(c.state).toBe('closed');
  });

  it('the browser entry without inflate: ERR_COMPRESSED_MESSAGE for that request and push, the connection stays', async () => {
    const p = await peer({ dict: false });
    const c = track(new BrowserNanoClient({ url: p.wsUrl, transport: nodeTransport(), reconnect: false }));
    await c.connect();
    const conn = p.connection;

    const failure = await c.request('Echo.Echo', BIG).catch((e: unknown) => e);
    expect(isNanoError(failure, 'ERR_COMPRESSED_MESSAGE')).toBe(true);
    expect((failure as Error).message).toBe('Echo.Echo: zlib body: pass the inflate option');

    const errored = next(c as unknown as NanoClient, 'error');
    let delivered = 0;
    c.on('onBig', () => delivered++);
    conn.push('onBig', BIG);
    expect(isNanoError(await errored, 'ERR_COMPRESSED_MESSAGE')).toBe(true);
    expect(delivered).toBe(0);

    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
    expect(c.state).toBe('open');
    expect(conn.compressed).toBe(2);
  });

  it('the browser entry with inflate from @nanokit/client/inflate (fflate) reads the handshake reply and every body', async () => {
    const p = await peer();
    const formats: string[] = [];
    const options: NanoClientOptions = {
      url: p.wsUrl,
      transport: nodeTransport(),
      reconnect: false,
      inflate: (bytes, format) => {
        formats.push(format);
        return inflate(bytes, format);
      },
    };
    const c = track(new BrowserNanoClient(options));
    await c.connect();
    expect(formats).toEqual(['zlib']);
    expect(await c.request('Echo.Echo', BIG)).toEqual(BIG);
    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
    const failure = await c.request('Fail.Fail', {}).catch((e: unknown) => e);
    expect(failure).toMatchObject({ serverCode: 'PIT-500' });
    const pushed = new Promise((resolve) => c.on('onMessage', resolve));
    p.connection.push('onMessage', BIG);
    expect(await pushed).toEqual(BIG);
    expect(formats).toEqual(['zlib', 'zlib', 'zlib', 'zlib']);
    expect(p.connection.compressed).toBe(3);
  });

  it('an inflate that throws rejects that request with ERR_COMPRESSED_MESSAGE and its cause', async () => {
    const p = await peer({ dict: false });
    const broken = new Error('inflate: bad stream');
    const c = track(
      new NanoClient({
        url: p.wsUrl,
        reconnect: false,
        inflate: () => {
          throw broken;
        },
      }),
    );
    await c.connect();
    const failure = await c.request('Echo.Echo', BIG).catch((e: unknown) => e);
    expect(isNanoError(failure, 'ERR_COMPRESSED_MESSAGE')).toBe(true);
    expect((failure as Error).message).toBe('Echo.Echo: bad zlib data');
    expect((failure as Error & { cause?: unknown }).cause).toBe(broken);
    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
  });

  it('the Node default refuses a zlib bomb (over 16 MiB inflated) instead of inflating it', async () => {
    const p = await peer();
    p.on('Bomb.Bomb', () => ({ z: '0'.repeat(17 * 1024 * 1024) }));
    const c = track(new NanoClient({ url: p.wsUrl, reconnect: false }));
    await c.connect();
    const failure = await c.request('Bomb.Bomb', {}).catch((e: unknown) => e);
    expect(isNanoError(failure, 'ERR_COMPRESSED_MESSAGE')).toBe(true);
    expect((failure as Error & { cause?: { code?: string } }).cause?.code).toBe('ERR_BUFFER_TOO_LARGE');
    expect(p.connection.compressed).toBe(1);
    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
  });
});

describe('pitaya error bodies with the protobuf serializer', () => {
  // Routes without a protobuf type fall back to JSON, so only the error bodies are protobuf here.
  const serializer = createProtobufSerializer({ fallback: jsonSerializer });

  async function pitayaPeer(options: { protobufErrors: boolean; compression?: boolean }) {
    const p = await Peer.start({
      serializer,
      ...(options.compression ? { pitaya: {} } : {}),
      ...(options.protobufErrors
        ? {
            encodeError: (e: { code: string | number; msg: string }) =>
              encodePitayaError({ code: String(e.code), msg: e.msg, metadata: { server: 'connector-1' } }),
          }
        : {}),
    });
    cleanups.push(() => p.close());
    p.on('Room.Join', () => {
      throw new PeerError('ROOM-FULL', `room is full: ${'try again later, '.repeat(10)}`);
    });
    return p;
  }

  it('a protobuf Error body becomes a ServerError with pitaya code, msg and metadata', async () => {
    const p = await pitayaPeer({ protobufErrors: true });
    const c = track(new NanoClient({ url: p.wsUrl, serializer, reconnect: false }));
    await c.connect();
    const unknown = await c.request('No.Such', {}).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ServerError);
    expect(unknown).toMatchObject({
      serverCode: 'PIT-404',
      msg: 'route No.Such not found',
      data: { code: 'PIT-404', msg: 'route No.Such not found', metadata: { server: 'connector-1' } },
    });
    const full = await c.request('Room.Join', {}).catch((e: unknown) => e);
    expect(full).toMatchObject({ serverCode: 'ROOM-FULL', msg: expect.stringMatching(/^room is full: try again/) });
  });

  it('compressed too (zlib, flag 0x10), when pitaya compresses it', async () => {
    const p = await pitayaPeer({ protobufErrors: true, compression: true });
    const c = track(new NanoClient({ url: p.wsUrl, serializer, reconnect: false }));
    await c.connect();
    const full = await c.request('Room.Join', {}).catch((e: unknown) => e);
    expect(full).toMatchObject({ serverCode: 'ROOM-FULL', data: { metadata: { server: 'connector-1' } } });
    expect(p.connection.compressed).toBe(1);
  });

  it('JSON error bodies (server-lite, whatever its serializer) are still read', async () => {
    const p = await pitayaPeer({ protobufErrors: false });
    const c = track(new NanoClient({ url: p.wsUrl, serializer, reconnect: false }));
    await c.connect();
    const full = await c.request('Room.Join', {}).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(ServerError);
    expect(full).toMatchObject({ serverCode: 'ROOM-FULL', data: { code: 'ROOM-FULL' } });
  });
});
