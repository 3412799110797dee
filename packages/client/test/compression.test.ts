// Compressed bodies at the client, below the pitaya peer (./pitaya.test.ts): gzip as well as zlib, bad compressed data
// (which no real server sends) fed through the fake transport, the deprecated `gunzip` option, and the browser
// inflater of `@nanokit/client/inflate` (fflate) against node:zlib.
import { deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { isNanoError, NanoClient, type NanoClientOptions } from '@nanokit/client';
import { inflate } from '@nanokit/client/inflate';
import { encodeDataPacket, encodeHandshakeResponse, encodePacket, MessageType, PacketType } from '@nanokit/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NanoClient as BrowserNanoClient } from '../src/client.js';
import { fakeTransport } from './fake-transport.js';

/** A client on the fake transport, connected with `reply` as the handshake body. */
async function connected(reply: Uint8Array, options: Partial<NanoClientOptions> = {}, Client = NanoClient) {
  const ft = fakeTransport();
  const client = new Client({
    url: 'ws://fake',
    transport: ft.factory,
    reconnect: false,
    heartbeat: false,
    ...options,
  });
  const connecting = client.connect();
  await new Promise((r) => setTimeout(r, 0));
  ft.last.open();
  ft.last.receive(encodePacket(PacketType.Handshake, reply));
  return { ft, client, connecting };
}

const pushOf = (route: string, body: Uint8Array) =>
  encodeDataPacket({ type: MessageType.Push, route, body, gzip: true });

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const HELLO = { text: 'héllo 😀 世界 '.repeat(50) };

describe('the Node entry, no option', () => {
  it('inflates gzip (1f 8b) as well as zlib, in the handshake reply and in flag-0x10 bodies', async () => {
    const { ft, client, connecting } = await connected(gzipSync(encodeHandshakeResponse({ heartbeat: 7 })));
    expect((await connecting).heartbeat).toBe(7);
    const got: unknown[] = [];
    client.on('onHello', (body) => got.push(body));
    ft.last.receive(pushOf('onHello', gzipSync(json(HELLO))));
    ft.last.receive(pushOf('onHello', deflateSync(json(HELLO))));
    expect(got).toEqual([HELLO, HELLO]);
    client.close();
  });

  it("bad zlib in the handshake reply: connect() rejects with ERR_COMPRESSED_HANDSHAKE and zlib's error as cause", async () => {
    const { connecting } = await connected(Uint8Array.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]));
    const failure = await connecting.catch((e: unknown) => e);
    expect(isNanoError(failure, 'ERR_COMPRESSED_HANDSHAKE')).toBe(true);
    expect((failure as Error).message).toBe('handshake: bad zlib data');
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe('Z_DATA_ERROR');
  });

  it('a flag-0x10 body that is bad zlib, or neither zlib nor gzip: an error event with ERR_COMPRESSED_MESSAGE', async () => {
    const { ft, client, connecting } = await connected(encodeHandshakeResponse({ heartbeat: 0 }));
    await connecting;
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    client.on('onHello', () => errors.push('delivered'));
    ft.last.receive(pushOf('onHello', Uint8Array.from([0x78, 0x9c, 0xff, 0xff])));
    ft.last.receive(pushOf('onHello', json({ plain: 'JSON' })));
    expect(errors.map((e) => isNanoError(e, 'ERR_COMPRESSED_MESSAGE') && (e as Error).message)).toEqual([
      'onHello: bad zlib data',
      'onHello: neither zlib nor gzip',
    ]);
    expect((errors[0] as { cause?: { code?: string } }).cause?.code).toBe('Z_DATA_ERROR');
    expect(client.state).toBe('open');
    client.close();
  });
});

describe('the deprecated gunzip option', () => {
  it('still gets gzip bodies; zlib ones go to inflate (the Node default here)', async () => {
    const seen: number[] = [];
    const { ft, client, connecting } = await connected(encodeHandshakeResponse({ heartbeat: 0 }), {
      gunzip: (bytes) => {
        seen.push(bytes[0] as number);
        return json(HELLO);
      },
    });
    await connecting;
    const got: unknown[] = [];
    client.on('onHello', (body) => got.push(body));
    ft.last.receive(pushOf('onHello', gzipSync(json({ ignored: true }))));
    ft.last.receive(pushOf('onHello', deflateSync(json(HELLO))));
    expect(got).toEqual([HELLO, HELLO]);
    expect(seen).toEqual([0x1f]);
    client.close();
  });

  it('in the browser entry, alone, it cannot read zlib: ERR_COMPRESSED_MESSAGE', async () => {
    const { ft, client, connecting } = await connected(
      encodeHandshakeResponse({ heartbeat: 0 }),
      { gunzip: () => json(HELLO) },
      BrowserNanoClient as typeof NanoClient,
    );
    await connecting;
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    ft.last.receive(pushOf('onHello', deflateSync(json(HELLO))));
    expect((errors[0] as Error).message).toBe('onHello: zlib body: pass the inflate option');
    client.close();
  });
});

describe('@nanokit/client/inflate (fflate)', () => {
  it('inflates what node:zlib compresses, zlib and gzip, at every level', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 0, max: 9 }),
        fc.boolean(),
        (bytes, level, gz) => {
          const packed = new Uint8Array((gz ? gzipSync : deflateSync)(bytes, { level }));
          expect(inflate(packed, gz ? 'gzip' : 'zlib')).toEqual(bytes);
        },
      ),
    );
  });

  it('throws on bad data, truncated data and a wrong checksum, which fflate alone lets through', () => {
    const zlib = new Uint8Array(deflateSync(json(HELLO)));
    const gzip = new Uint8Array(gzipSync(json(HELLO)));
    const cases: [string, Uint8Array, 'zlib' | 'gzip'][] = [
      ['zlib garbage', Uint8Array.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]), 'zlib'],
      ['zlib truncated', zlib.subarray(0, zlib.length - 10), 'zlib'],
      ['zlib wrong Adler-32', Uint8Array.from([...zlib.subarray(0, -1), zlib[zlib.length - 1] ^ 1]), 'zlib'],
      ['gzip header only', Uint8Array.from([0x1f, 0x8b, 8, 0]), 'gzip'],
      ['gzip wrong length', Uint8Array.from([...gzip.subarray(0, -4), 1, 0, 0, 0]), 'gzip'],
      ['gzip wrong CRC-32', Uint8Array.from(gzip, (b, i) => (i === gzip.length - 8 ? b ^ 1 : b)), 'gzip'],
    ];
    for (const [what, bytes, format] of cases) expect(() => inflate(bytes, format), what).toThrow();
  });

  it('reads concatenated gzip members as one body, as node:zlib does, checking each member', () => {
    const a = gzipSync(Buffer.from('{"text":'));
    const b = gzipSync(Buffer.from('"hi"}'));
    const both = new Uint8Array(Buffer.concat([a, b]));
    expect(new TextDecoder().decode(inflate(both, 'gzip'))).toBe(gunzipSync(both).toString());
    // The first member's CRC-32 wrong: refused, though the last trailer is right.
    const bad = Uint8Array.from(both, (x, i) => (i === a.length - 8 ? x ^ 1 : x));
    expect(() => inflate(bad, 'gzip')).toThrow('bad CRC-32');
  });

  it('refuses a zlib or gzip bomb: more than 16 MiB inflated is a RangeError, not an allocation', () => {
    const zeros = new Uint8Array(17 * 1024 * 1024);
    for (const [format, packed] of [
      ['zlib', deflateSync(zeros, { level: 9 })],
      ['gzip', gzipSync(zeros, { level: 9 })],
    ] as const) {
      expect(packed.length).toBeLessThan(20_000);
      expect(() => inflate(new Uint8Array(packed), format)).toThrow(`${format} body inflates to over 16 MiB`);
    }
    const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
    const out = inflate(new Uint8Array(deflateSync(big)), 'zlib'); // many steps, one output
    expect(Buffer.compare(out, big)).toBe(0);
  });
});
