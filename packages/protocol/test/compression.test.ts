/**
 * Compressed bodies (docs/protocol.md "Compression"): which bytes are zlib or gzip, the handshake reply pitaya
 * compresses whole and without a flag, and the typed errors when it cannot be inflated.
 */
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compressionFormat, inflateBody, parseHandshakeResponse, stringifyGoStyle } from '../src/index.js';
import { expectProtocolError, hex, utf8Bytes } from './helpers.js';

/** What pitaya v2.5 sends with compression on (its default) and a dictionary: `hbdEncode`'s reply, zlib. */
const PITAYA_REPLY = stringifyGoStyle({
  code: 200,
  sys: { dict: { 'room.join': 1, 'room.message': 2, onMessage: 3, onJoin: 4 }, heartbeat: 30, serializer: 'json' },
});
const node = (bytes: Uint8Array) => new Uint8Array(inflateSync(bytes));

describe('compressionFormat', () => {
  it('zlib headers of every compression level, and gzip', () => {
    for (const level of [0, 1, 2, 5, 6, 9]) {
      expect(compressionFormat(new Uint8Array(deflateSync('x', { level }))), `level ${level}`).toBe('zlib');
    }
    for (const h of ['78 01', '78 5e', '78 9c', '78 da', '08 1d', '68 81'])
      expect(compressionFormat(hex(h)), h).toBe('zlib');
    expect(compressionFormat(new Uint8Array(gzipSync('x')))).toBe('gzip');
  });

  it('anything else is not compressed: JSON, a bad check value, another method, a preset dictionary, 1 byte', () => {
    for (const h of ['7b 22', '5b 5d', '78 9d', '78 00', '79 9c', '88 1f', '78 bb', '78', '1f', '1f 8c', ''])
      expect(compressionFormat(hex(h)), h).toBeUndefined();
    expect(compressionFormat(new Uint8Array(deflateRawSync('some text')))).toBeUndefined();
  });

  it('no JSON text is taken for compressed bytes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(compressionFormat(utf8Bytes(JSON.stringify(value) ?? 'null'))).toBeUndefined();
      }),
    );
  });
});

describe('a compressed handshake reply (pitaya)', () => {
  it('zlib (78 9c, what pitaya sends) is inflated with the inflate option, called with the format', () => {
    const body = new Uint8Array(deflateSync(PITAYA_REPLY));
    expect(body.length).toBeLessThan(PITAYA_REPLY.length);
    const calls: string[] = [];
    const r = parseHandshakeResponse(body, {
      inflate: (bytes, format) => {
        calls.push(format);
        return node(bytes);
      },
    });
    expect(calls).toEqual(['zlib']);
    expect([r.heartbeat, r.serializer, r.dictionary.code('onJoin')]).toEqual([30, 'json', 4]);
  });

  it('gzip goes to inflate too, or to the deprecated gunzip when that is set; zlib never goes to gunzip', () => {
    const gz = new Uint8Array(gzipSync(PITAYA_REPLY));
    const seen: string[] = [];
    const inflate = (bytes: Uint8Array, format: string) => {
      seen.push(`inflate ${format}`);
      return format === 'gzip' ? new Uint8Array(gunzipSync(bytes)) : node(bytes);
    };
    const gunzip = (bytes: Uint8Array) => {
      seen.push('gunzip');
      return new Uint8Array(gunzipSync(bytes));
    };
    expect(parseHandshakeResponse(gz, { inflate }).heartbeat).toBe(30);
    expect(parseHandshakeResponse(gz, { inflate, gunzip }).heartbeat).toBe(30);
    expect(parseHandshakeResponse(new Uint8Array(deflateSync(PITAYA_REPLY)), { inflate, gunzip }).heartbeat).toBe(30);
    expect(seen).toEqual(['inflate gzip', 'gunzip', 'inflate zlib']);
    const e = expectProtocolError(
      () => parseHandshakeResponse(new Uint8Array(deflateSync(PITAYA_REPLY)), { gunzip }),
      'ERR_COMPRESSED_HANDSHAKE',
    );
    expect(e.message).toBe('handshake: zlib body: pass the inflate option');
  });

  it('without an inflater: ERR_COMPRESSED_HANDSHAKE (it was ERR_INVALID_HANDSHAKE "bad JSON" for zlib)', () => {
    expectProtocolError(() => parseHandshakeResponse(hex('78 9c 03 00 00 00 00 01')), 'ERR_COMPRESSED_HANDSHAKE');
    expectProtocolError(() => parseHandshakeResponse(hex('1f 8b 08 00')), 'ERR_COMPRESSED_HANDSHAKE');
  });

  it("bad compressed data: ERR_COMPRESSED_HANDSHAKE with the inflater's error as cause, never zlib's raw error", () => {
    const truncated = new Uint8Array(deflateSync(PITAYA_REPLY)).subarray(0, 20);
    const e = expectProtocolError(
      () => parseHandshakeResponse(truncated, { inflate: node }),
      'ERR_COMPRESSED_HANDSHAKE',
    );
    expect(e.message).toBe('handshake: bad zlib data');
    expect((e.cause as { code?: string }).code).toBe('Z_BUF_ERROR');
    const garbage = hex('78 9c ff ff ff ff');
    const g = expectProtocolError(() => parseHandshakeResponse(garbage, { inflate: node }), 'ERR_COMPRESSED_HANDSHAKE');
    expect((g.cause as { code?: string }).code).toBe('Z_DATA_ERROR');
  });

  it('an inflated reply that is not JSON is ERR_INVALID_HANDSHAKE, as an uncompressed one', () => {
    const body = new Uint8Array(deflateSync('nope, not JSON'));
    expectProtocolError(() => parseHandshakeResponse(body, { inflate: node }), 'ERR_INVALID_HANDSHAKE');
  });
});

describe('inflateBody (flag 0x10 bodies)', () => {
  const error = (message: string, cause?: unknown) => new Error(message, { cause });
  it('refuses bytes that are neither zlib nor gzip, before calling the inflater', () => {
    let called = 0;
    const inflate = () => {
      called++;
      return new Uint8Array();
    };
    expect(() => inflateBody(utf8Bytes('{"a":1}'), { inflate }, error)).toThrow('neither zlib nor gzip');
    expect(called).toBe(0);
  });
  it("wraps the inflater's error", () => {
    const cause = new RangeError('boom');
    let thrown: unknown;
    try {
      inflateBody(
        new Uint8Array(deflateSync('abc')),
        {
          inflate: () => {
            throw cause;
          },
        },
        error,
      );
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ message: 'bad zlib data', cause });
  });
});
