// What pitaya does differently on the wire, over real sockets against the raw peer (./peer.ts):
// - data compression: the peer gzips its handshake reply and every body that gzip makes smaller, with flag 0x10, as
//   pitaya's MessagesEncoder does when `dataCompression` is on (its default). The Node entry inflates with node:zlib
//   by itself; the browser entry needs the `gunzip` option.
// - error bodies: pitaya serializes its Error {code, msg, metadata} with the session's serializer, so with protobuf
//   the error body is protobuf (encoded here by protobufjs from pitaya's declaration of the message).
import { gunzipSync } from 'node:zlib';
import { type ClientEvents, isNanoError, NanoClient, type NanoClientOptions, ServerError } from '@nanokit/client';
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

async function peer(compression: 'all' | 'data') {
  const p = await Peer.start({ compression });
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

/** A body that gzip shrinks (so the peer sends it gzipped), with multi-byte UTF-8 in it. */
const BIG = { text: 'héllo 😀 世界 '.repeat(200), n: 42 };
/** A body gzip would grow: sent as is. */
const SMALL = { n: 1 };

describe('pitaya data compression (gzip flag 0x10)', () => {
  it('the Node entry inflates the handshake reply, responses, error responses and pushes with no option', async () => {
    const p = await peer('all');
    const c = track(new NanoClient({ url: p.wsUrl, reconnect: false }));
    const hs = await c.connect(); // the handshake reply was gzipped: parsing it needed gunzip
    expect(hs.heartbeat).toBe(30);
    const conn = p.connection;

    expect(await c.request('Echo.Echo', BIG)).toEqual(BIG);
    expect(conn.gzipped).toBe(1);
    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
    expect(conn.gzipped).toBe(1); // not worth compressing: sent plain, and read as such

    const failure = await c.request('Fail.Fail', {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ServerError);
    expect(failure).toMatchObject({ serverCode: 'PIT-500', msg: expect.stringMatching(/^handler failed: the same/) });
    expect(conn.gzipped).toBe(2);

    const pushed = new Promise((resolve) => c.on('onBig', resolve));
    conn.push('onBig', BIG);
    expect(await pushed).toEqual(BIG);
    expect(conn.gzipped).toBe(3);
    c.close();
    expectNothingLeft(c);
  });

  it('the browser entry without gunzip: ERR_COMPRESSED_MESSAGE for that request and push, the connection stays', async () => {
    const p = await peer('data');
    const c = track(new BrowserNanoClient({ url: p.wsUrl, transport: nodeTransport(), reconnect: false }));
    await c.connect();
    const conn = p.connection;

    const failure = await c.request('Echo.Echo', BIG).catch((e: unknown) => e);
    expect(isNanoError(failure, 'ERR_COMPRESSED_MESSAGE')).toBe(true);
    expect((failure as Error).message).toBe('Echo.Echo: gzip body: pass gunzip');

    const errored = next(c as unknown as NanoClient, 'error');
    let delivered = 0;
    c.on('onBig', () => delivered++);
    conn.push('onBig', BIG);
    expect(isNanoError(await errored, 'ERR_COMPRESSED_MESSAGE')).toBe(true);
    expect(delivered).toBe(0);

    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
    expect(c.state).toBe('open');
    expect(conn.gzipped).toBe(2);
  });

  it('the browser entry with a gunzip option uses it for the handshake reply and every gzip-flagged body', async () => {
    const p = await peer('all');
    const inflated: number[] = [];
    const options: NanoClientOptions = {
      url: p.wsUrl,
      transport: nodeTransport(),
      reconnect: false,
      gunzip: (bytes) => {
        inflated.push(bytes.length);
        return gunzipSync(bytes);
      },
    };
    const c = track(new BrowserNanoClient(options));
    await c.connect();
    expect(inflated).toHaveLength(1);
    expect(await c.request('Echo.Echo', BIG)).toEqual(BIG);
    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
    expect(inflated).toHaveLength(2);
    expect(p.connection.gzipped).toBe(1);
  });

  it('a gunzip that throws rejects that request with ERR_COMPRESSED_MESSAGE and its cause', async () => {
    const p = await peer('data');
    const broken = new Error('inflate: bad stream');
    const c = track(
      new NanoClient({
        url: p.wsUrl,
        reconnect: false,
        gunzip: () => {
          throw broken;
        },
      }),
    );
    await c.connect();
    const failure = await c.request('Echo.Echo', BIG).catch((e: unknown) => e);
    expect(isNanoError(failure, 'ERR_COMPRESSED_MESSAGE')).toBe(true);
    expect((failure as Error & { cause?: unknown }).cause).toBe(broken);
    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
  });

  it('the Node default refuses a gzip bomb (over 16 MiB inflated) instead of inflating it', async () => {
    const p = await peer('data');
    p.on('Bomb.Bomb', () => ({ z: '0'.repeat(17 * 1024 * 1024) }));
    const c = track(new NanoClient({ url: p.wsUrl, reconnect: false }));
    await c.connect();
    const failure = await c.request('Bomb.Bomb', {}).catch((e: unknown) => e);
    expect(isNanoError(failure, 'ERR_COMPRESSED_MESSAGE')).toBe(true);
    expect((failure as Error & { cause?: { code?: string } }).cause?.code).toBe('ERR_BUFFER_TOO_LARGE');
    expect(p.connection.gzipped).toBe(1);
    expect(await c.request('Echo.Echo', SMALL)).toEqual(SMALL);
  });
});

describe('pitaya error bodies with the protobuf serializer', () => {
  // Routes without a protobuf type fall back to JSON, so only the error bodies are protobuf here.
  const serializer = createProtobufSerializer({ fallback: jsonSerializer });

  async function pitayaPeer(options: { protobufErrors: boolean; compression?: 'data' }) {
    const p = await Peer.start({
      serializer,
      ...(options.compression ? { compression: options.compression } : {}),
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

  it('gzipped too, when pitaya compresses it', async () => {
    const p = await pitayaPeer({ protobufErrors: true, compression: 'data' });
    const c = track(new NanoClient({ url: p.wsUrl, serializer, reconnect: false }));
    await c.connect();
    const full = await c.request('Room.Join', {}).catch((e: unknown) => e);
    expect(full).toMatchObject({ serverCode: 'ROOM-FULL', data: { metadata: { server: 'connector-1' } } });
    expect(p.connection.gzipped).toBe(1);
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
