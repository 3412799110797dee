/**
 * Handshake (vectors V3–V6) and Kick (V28): byte-exact bodies both directions, and parsing of
 * nano, pomelo/pinus and pitaya replies.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createHandshakeRequest,
  decodePackets,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
  encodeKick,
  encodePacket,
  HandshakeError,
  isNanoError,
  PacketType,
  parseHandshakeRequest,
  parseHandshakeResponse,
  parseKick,
  RouteDictionary,
  stringifyGoStyle,
} from '../src/index.js';
import { concat as concatBytes, expectProtocolError, hex, normHex, toHex, utf8Bytes } from './helpers.js';

const handshakePacket = (body: Uint8Array) => toHex(encodePacket(PacketType.Handshake, body));

describe('client handshake request (V3)', () => {
  it('V3a: starx request without user, "rsa":{} through the sys option', () => {
    const request = createHandshakeRequest({ sys: { rsa: {} } });
    expect(handshakePacket(encodeHandshakeRequest(request))).toBe(
      normHex(
        '01 00 00 3a 7b 22 73 79 73 22 3a 7b 22 74 79 70 65 22 3a 22 6a 73 2d 77 65 62 73 6f 63 6b 65 74' +
          '22 2c 22 76 65 72 73 69 6f 6e 22 3a 22 30 2e 30 2e 31 22 2c 22 72 73 61 22 3a 7b 7d 7d 7d',
      ),
    );
  });
  it('V3b: with user {token:"abc"} (81 bytes)', () => {
    const body = encodeHandshakeRequest({ sys: { rsa: {} }, user: { token: 'abc' } });
    expect(body.length).toBe(81);
    expect(handshakePacket(body)).toBe(
      normHex(
        '01 00 00 51 7b 22 73 79 73 22 3a 7b 22 74 79 70 65 22 3a 22 6a 73 2d 77 65 62 73 6f 63 6b 65 74' +
          '22 2c 22 76 65 72 73 69 6f 6e 22 3a 22 30 2e 30 2e 31 22 2c 22 72 73 61 22 3a 7b 7d 7d 2c 22 75' +
          '73 65 72 22 3a 7b 22 74 6f 6b 65 6e 22 3a 22 61 62 63 22 7d 7d',
      ),
    );
  });
  it('defaults: type js-websocket, version 0.0.1, no user', () => {
    expect(new TextDecoder().decode(encodeHandshakeRequest())).toBe(
      '{"sys":{"type":"js-websocket","version":"0.0.1"}}',
    );
    expect(createHandshakeRequest({ type: 'ts-nanokit', version: '1.2.3', user: {} })).toEqual({
      sys: { type: 'ts-nanokit', version: '1.2.3' },
      user: {},
    });
  });
  it('the request the real nano server saw parses back (server side)', () => {
    const body = utf8Bytes('{"sys":{"type":"js-websocket","version":"0.0.1"},"user":{}}');
    expect(parseHandshakeRequest(body)).toEqual({ sys: { type: 'js-websocket', version: '0.0.1' }, user: {} });
    expect(parseHandshakeRequest(new Uint8Array(0))).toEqual({}); // V2: the Go benchmark client's empty handshake
    expectProtocolError(() => parseHandshakeRequest(utf8Bytes('[1]')), 'ERR_INVALID_HANDSHAKE');
    expectProtocolError(() => parseHandshakeRequest(utf8Bytes('{')), 'ERR_INVALID_HANDSHAKE');
  });
});

describe('server handshake reply (V4–V6), byte-exact like Go json.Marshal', () => {
  it('V4: heartbeat 30, no dict, servertime', () => {
    expect(handshakePacket(encodeHandshakeResponse({ heartbeat: 30, servertime: 1700000000 }))).toBe(
      normHex(
        '01 00 00 3b 7b 22 63 6f 64 65 22 3a 32 30 30 2c 22 73 79 73 22 3a 7b 22 68 65 61 72 74 62 65 61' +
          '74 22 3a 33 30 2c 22 73 65 72 76 65 72 74 69 6d 65 22 3a 31 37 30 30 30 30 30 30 30 30 7d 7d',
      ),
    );
  });
  it('V4 with a fractional heartbeat of 1.5 s', () => {
    expect(handshakePacket(encodeHandshakeResponse({ heartbeat: 1.5, servertime: 1700000000 }))).toBe(
      normHex(
        '01 00 00 3c 7b 22 63 6f 64 65 22 3a 32 30 30 2c 22 73 79 73 22 3a 7b 22 68 65 61 72 74 62 65 61' +
          '74 22 3a 31 2e 35 2c 22 73 65 72 76 65 72 74 69 6d 65 22 3a 31 37 30 30 30 30 30 30 30 30 7d 7d',
      ),
    );
  });
  it('V5: heartbeat 10 with dict {Room.Join:1, onMessage:2}, keys sorted', () => {
    const hexV5 =
      '01 00 00 60 7b 22 63 6f 64 65 22 3a 32 30 30 2c 22 73 79 73 22 3a 7b 22 64 69 63 74 22 3a 7b 22' +
      '52 6f 6f 6d 2e 4a 6f 69 6e 22 3a 31 2c 22 6f 6e 4d 65 73 73 61 67 65 22 3a 32 7d 2c 22 68 65 61' +
      '72 74 62 65 61 74 22 3a 31 30 2c 22 73 65 72 76 65 72 74 69 6d 65 22 3a 31 37 30 30 30 30 30 30' +
      '30 30 7d 7d';
    // Insertion order reversed on purpose: the encoder must sort like Go.
    const dict = new RouteDictionary([
      ['onMessage', 2],
      ['Room.Join', 1],
    ]);
    expect(handshakePacket(encodeHandshakeResponse({ heartbeat: 10, dict, servertime: 1700000000 }))).toBe(
      normHex(hexV5),
    );
    expect(
      handshakePacket(
        encodeHandshakeResponse({ heartbeat: 10, dict: { onMessage: 2, 'Room.Join': 1 }, servertime: 1700000000 }),
      ),
    ).toBe(normHex(hexV5));
  });
  it('V6: jmesyan reply (heartbeat only); an empty dict is omitted as nano does', () => {
    const v6 =
      '01 00 00 23 7b 22 63 6f 64 65 22 3a 32 30 30 2c 22 73 79 73 22 3a 7b 22 68 65 61 72 74 62 65 61' +
      '74 22 3a 33 30 7d 7d';
    expect(handshakePacket(encodeHandshakeResponse({ heartbeat: 30 }))).toBe(normHex(v6));
    expect(handshakePacket(encodeHandshakeResponse({ heartbeat: 30, dict: new RouteDictionary() }))).toBe(normHex(v6));
  });
  it('the recorded real server reply is reproduced byte for byte', () => {
    const real =
      '{"code":200,"sys":{"dict":{"Room.Echo":4,"Room.Join":1,"Room.Message":2,"onMessage":3},"heartbeat":1,"servertime":1795541433}}';
    const dict = { 'Room.Join': 1, 'Room.Message': 2, onMessage: 3, 'Room.Echo': 4 };
    expect(new TextDecoder().decode(encodeHandshakeResponse({ heartbeat: 1, dict, servertime: 1795541433 }))).toBe(
      real,
    );
  });
  it('a "__proto__" route survives: dictionary → toJSON → handshake JSON → parse (it used to vanish)', () => {
    const dict = new RouteDictionary([
      ['a', 1],
      ['__proto__', 7],
    ]);
    expect(dict.toJSON()).toEqual(JSON.parse('{"__proto__":7,"a":1}'));
    expect(Object.keys(dict.toJSON())).toEqual(['a', '__proto__']);
    const expected = '{"code":200,"sys":{"dict":{"__proto__":7,"a":1},"heartbeat":1}}';
    const body = encodeHandshakeResponse({ heartbeat: 1, dict });
    expect(new TextDecoder().decode(body)).toBe(expected);
    // The same from a plain object (JSON.parse makes `__proto__` an own key) and from the parsed reply's own dict.
    const fromJson = encodeHandshakeResponse({ heartbeat: 1, dict: JSON.parse('{"a":1,"__proto__":7}') });
    expect(new TextDecoder().decode(fromJson)).toBe(expected);
    const r = parseHandshakeResponse(body);
    expect([r.dictionary.size, r.dictionary.code('__proto__'), r.dictionary.route(7), r.dictionary.code('a')]).toEqual([
      2,
      7,
      '__proto__',
      1,
    ]);
    expect(new TextDecoder().decode(encodeHandshakeResponse({ heartbeat: 1, dict: r.dictionary }))).toBe(expected);
    expect(new TextDecoder().decode(encodeHandshakeResponse({ heartbeat: 1, dict: r.dict ?? {} }))).toBe(expected);
  });
  it('stringifyGoStyle keeps "__proto__" keys, whatever their value', () => {
    expect(stringifyGoStyle(JSON.parse('{"b":1,"__proto__":{"z":1,"y":2}}'))).toBe('{"__proto__":{"y":2,"z":1},"b":1}');
    expect(
      new TextDecoder().decode(encodeHandshakeResponse({ heartbeat: 1, sys: JSON.parse('{"__proto__":"x"}') })),
    ).toBe('{"code":200,"sys":{"__proto__":"x","heartbeat":1}}');
  });
  // Go's json.Marshal sorts map keys by their UTF-8 bytes: the oracle here is TextEncoder + a byte comparison.
  const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(utf8Bytes(a)), Buffer.from(utf8Bytes(b)));
  it('stringifyGoStyle sorts keys by UTF-8 bytes as Go does, not by UTF-16 units: U+FF01 before U+1F600', () => {
    expect(stringifyGoStyle({ '\u{1F600}': 2, '\uff01': 1 })).toBe('{"\uff01":1,"\u{1F600}":2}');
    const keys = ['\u{10000}', '\uffff', '\ue000', '\ud7ff', 'a', '\u{10FFFF}', '\u{1F600}x', '\u{1F600}', 'é'];
    expect(Object.keys(JSON.parse(stringifyGoStyle(Object.fromEntries(keys.map((k) => [k, 0])))))).toEqual(
      [...keys].sort(utf8Order),
    );
  });
  it('the handshake dict of such routes is in Go order', () => {
    const dict = new RouteDictionary([
      ['\u{1F600}.chat', 1],
      ['\uff01.chat', 2],
    ]);
    expect(new TextDecoder().decode(encodeHandshakeResponse({ heartbeat: 1, dict }))).toBe(
      '{"code":200,"sys":{"dict":{"\uff01.chat":2,"\u{1F600}.chat":1},"heartbeat":1}}',
    );
  });
  it('stringifyGoStyle key order agrees with a UTF-8 byte sort on random code points (fast-check)', () => {
    // Any code point, lone surrogates included: TextEncoder gives them the bytes Go would hold (U+FFFD).
    const key = fc
      .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 4 })
      .map((cps) => String.fromCodePoint(...cps));
    const goKey = (k: string) => new TextDecoder().decode(utf8Bytes(k));
    fc.assert(
      fc.property(fc.uniqueArray(key, { selector: goKey, maxLength: 8 }), (keys) => {
        const out = stringifyGoStyle(Object.fromEntries(keys.map((k, i) => [k, i])));
        // The keys in the order of the text (JSON.parse would list integer-like keys such as "0" first).
        const written = Array.from(out.matchAll(/("(?:[^"\\]|\\.)*"):\d+/g), (m) => JSON.parse(m[1] as string));
        expect(written).toEqual(keys.map(goKey).sort(utf8Order));
      }),
      { numRuns: 500 },
    );
  });
  it('stringifyGoStyle sorts integer-like keys by their bytes too, and writes what JSON.stringify would', () => {
    const holey = [1];
    holey[2] = 3; // a hole at 1
    expect(stringifyGoStyle({ '10': 1, '': 2, '2': 3, '0': 4, a: [holey, undefined, () => 0], u: undefined })).toBe(
      '{"":2,"0":4,"10":1,"2":3,"a":[[1,null,3],null,null]}',
    );
    // Keys that become the same U+FFFD are one key, the last one, as in a Go map.
    expect(stringifyGoStyle({ '\ud800': 1, '\udc00': 2 })).toBe('{"\ufffd":2}');
    expect(stringifyGoStyle({ '\ufffd': 1, '\ud800': 2, z: 0 })).toBe('{"z":0,"\ufffd":2}');
    expect(stringifyGoStyle({ '\ud800': 1, '\udc00': undefined })).toBe('{}');
    // A toJSON gets its member's key, as from JSON.stringify.
    const keyed = { toJSON: (key: string) => `key=${key}` };
    expect(stringifyGoStyle({ a: keyed, b: [keyed] })).toBe('{"a":"key=a","b":["key=0"]}');
    expect(stringifyGoStyle(keyed)).toBe('"key="');
    for (const value of [null, 1.5, 'x', true, [], {}, [{ b: 1, a: new Date(0) }], undefined]) {
      expect(JSON.parse(stringifyGoStyle(value))).toEqual(JSON.parse(JSON.stringify(value) ?? 'null'));
    }
  });
  it('stringifyGoStyle writes a lone surrogate as U+FFFD, as the codec encodes it (never \\ud800)', () => {
    const out = stringifyGoStyle({ k: '\ud800', '\udc00': ['x\udbff', '\u{1F600}'] });
    expect(out).toBe('{"k":"\ufffd","\ufffd":["x\ufffd","\u{1F600}"]}');
    expect(out).not.toMatch(/\\ud[89a-f]/i);
    // The bytes are the UTF-8 of U+FFFD, the same bytes encodeUtf8 gives the route itself on the wire.
    const body = encodeHandshakeResponse({ heartbeat: 1, dict: { '\ud800': 1 } });
    expect(toHex(body)).toContain('22 ef bf bd 22 3a 31');
    expect(parseHandshakeResponse(body).dictionary.code('\ufffd')).toBe(1);
  });
  it('stringifyGoStyle escapes < > & U+2028 U+2029 and sorts nested keys', () => {
    expect(stringifyGoStyle({ b: '<a&b>', a: { d: '\u2028\u2029', c: [{ z: 1, y: 2 }] } })).toBe(
      '{"a":{"c":[{"y":2,"z":1}],"d":"\\u2028\\u2029"},"b":"\\u003ca\\u0026b\\u003e"}',
    );
  });
});

describe('parseHandshakeResponse', () => {
  it('nano (V5): heartbeat in seconds and ms, dict as a RouteDictionary, servertime', () => {
    const r = parseHandshakeResponse(
      utf8Bytes('{"code":200,"sys":{"dict":{"Room.Join":1,"onMessage":2},"heartbeat":10,"servertime":1700000000}}'),
    );
    expect(r.code).toBe(200);
    expect(r.heartbeat).toBe(10);
    expect(r.heartbeatMs).toBe(10000);
    expect(r.servertime).toBe(1700000000);
    expect(r.dict).toEqual({ 'Room.Join': 1, onMessage: 2 });
    expect(r.dictionary.code('Room.Join')).toBe(1);
    expect(r.dictionary.route(2)).toBe('onMessage');
    expect(r.serializer).toBeUndefined();
  });
  it('fractional heartbeat 1.5 gives 1500 ms; no heartbeat gives 0; no dict gives an empty dictionary', () => {
    expect(parseHandshakeResponse(utf8Bytes('{"code":200,"sys":{"heartbeat":1.5}}')).heartbeatMs).toBe(1500);
    const bare = parseHandshakeResponse(utf8Bytes('{"code":200}'));
    expect([bare.heartbeat, bare.heartbeatMs, bare.dictionary.size, bare.dict]).toEqual([0, 0, 0, undefined]);
  });
  it('pomelo/pinus extras: protos, useProto, user kept raw', () => {
    const protos = { server: { onChat: { 'required string msg': 1 } }, client: {}, version: 3 };
    const r = parseHandshakeResponse(
      utf8Bytes(
        JSON.stringify({
          code: 200,
          sys: { heartbeat: 3, dict: { 'chat.chatHandler.send': 1 }, useDict: true, protos, useProto: true },
          user: { uid: 7 },
        }),
      ),
    );
    expect(r.protos).toEqual(protos);
    expect(r.useProto).toBe(true);
    expect(r.user).toEqual({ uid: 7 });
    expect(r.raw['sys']).toMatchObject({ useDict: true });
  });
  it('pitaya: serializer field; a gzip body needs an inflater (the deprecated gunzip option still works)', () => {
    const json = '{"code":200,"sys":{"heartbeat":5,"dict":{"room.join":1},"serializer":"protos"}}';
    const gz = new Uint8Array(gzipSync(json));
    expect(toHex(gz.subarray(0, 2))).toBe('1f 8b');
    expectProtocolError(() => parseHandshakeResponse(gz), 'ERR_COMPRESSED_HANDSHAKE');
    const r = parseHandshakeResponse(gz, { gunzip: (b) => new Uint8Array(gunzipSync(b)) });
    expect(r.serializer).toBe('protos');
    expect(r.heartbeat).toBe(5);
    expect(r.dictionary.code('room.join')).toBe(1);
  });
  it.each([
    [500, '{"code":500}'],
    [501, '{"code":501,"sys":{}}'],
    [400, '{"code":400,"sys":{"heartbeat":1}}'],
  ])('code %i is a HandshakeError carrying serverCode', (code, body) => {
    let thrown: unknown;
    try {
      parseHandshakeResponse(utf8Bytes(body));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(HandshakeError);
    const err = thrown as HandshakeError;
    expect(err.serverCode).toBe(code);
    expect(err.code).toBe('ERR_HANDSHAKE_REFUSED');
    expect(err.name).toBe('HandshakeError');
    expect(isNanoError(err, 'ERR_HANDSHAKE_REFUSED')).toBe(true);
    expect(err.response).toEqual(JSON.parse(body));
  });
  it.each([
    ['not JSON', '{"code":200'],
    ['an array', '[200]'],
    ['no code', '{"sys":{}}'],
    ['string code', '{"code":"200"}'],
    ['sys not an object', '{"code":200,"sys":5}'],
    ['negative heartbeat', '{"code":200,"sys":{"heartbeat":-1}}'],
    ['string heartbeat', '{"code":200,"sys":{"heartbeat":"30"}}'],
    ['dict not an object', '{"code":200,"sys":{"dict":[1]}}'],
    ['dict 0', '{"code":200,"sys":{"dict":0}}'],
    ['dict false', '{"code":200,"sys":{"dict":false}}'],
    ['dict ""', '{"code":200,"sys":{"dict":""}}'],
    ['routeToCode false', '{"code":200,"sys":{"routeToCode":false}}'],
    ['dict code out of range', '{"code":200,"sys":{"dict":{"a":65536}}}'],
    ['dict code duplicated', '{"code":200,"sys":{"dict":{"a":1,"b":1}}}'],
  ])('%s is ERR_INVALID_HANDSHAKE', (_name, body) => {
    expectProtocolError(() => parseHandshakeResponse(utf8Bytes(body)), 'ERR_INVALID_HANDSHAKE');
  });
  it('a dict of null (Go marshals a nil map so) is no dictionary', () => {
    const reply = parseHandshakeResponse(utf8Bytes('{"code":200,"sys":{"dict":null,"heartbeat":3}}'));
    expect(reply.dictionary.size).toBe(0);
  });
  it('a dict with one code for two routes names the dictionary error as the cause', () => {
    const err = expectProtocolError(
      () => parseHandshakeResponse(utf8Bytes('{"code":200,"sys":{"dict":{"a":1,"b":1}}}')),
      'ERR_INVALID_HANDSHAKE',
    );
    expect((err.cause as { code?: string }).code).toBe('ERR_INVALID_DICTIONARY');
  });
  it('a key repeated in the sys.dict JSON keeps its last value (as Go json.Unmarshal does): no stale entry', () => {
    const r = parseHandshakeResponse(utf8Bytes('{"code":200,"sys":{"dict":{"a":1,"a":2}}}'));
    expect([r.dictionary.size, r.dictionary.code('a'), r.dictionary.route(1), r.dictionary.route(2)]).toEqual([
      1,
      2,
      undefined,
      'a',
    ]);
  });
  it('invalid UTF-8 is ERR_INVALID_HANDSHAKE', () => {
    expectProtocolError(() => parseHandshakeResponse(hex('7b ff 7d')), 'ERR_INVALID_HANDSHAKE');
  });
  it('round trip: what encodeHandshakeResponse writes, parseHandshakeResponse reads', () => {
    const body = encodeHandshakeResponse({
      heartbeat: 2.25,
      dict: { a: 0, b: 65535 },
      servertime: 1,
      sys: { serializer: 'json' },
    });
    const r = parseHandshakeResponse(body);
    expect([r.heartbeatMs, r.dict, r.servertime, r.serializer]).toEqual([2250, { a: 0, b: 65535 }, 1, 'json']);
  });
});

describe('CESU-8 from the old JS clients in handshakes and kicks (docs/protocol.md#utf-8)', () => {
  // 😀 as pomelo-protocol's strencode writes it in a browser: its two surrogates, 3 bytes each.
  const cesu = (before: string, after: string) =>
    concatBytes(utf8Bytes(before), hex('ed a0 bd ed b8 80'), utf8Bytes(after));
  it('a handshake request with an emoji in user is read as the emoji', () => {
    const body = cesu('{"sys":{"type":"js-websocket","version":"0.0.1"},"user":{"name":"', '"}}');
    expect(parseHandshakeRequest(body).user).toEqual({ name: '😀' });
  });
  it('a handshake reply and a kick reason too; a lone surrogate is U+FFFD', () => {
    expect(parseHandshakeResponse(cesu('{"code":200,"sys":{"heartbeat":1},"user":"', '"}')).user).toBe('😀');
    expect(parseKick(cesu('{"reason":"bye ', '"}')).reason).toBe('bye 😀');
    expect(parseKick(concatBytes(utf8Bytes('{"reason":"'), hex('ed a0 bd'), utf8Bytes('"}'))).reason).toBe('\ufffd');
  });
});

describe('Kick (V28)', () => {
  it('V28a pomelo style: {"reason":"kick"}', () => {
    const v28a = '05 00 00 11 7b 22 72 65 61 73 6f 6e 22 3a 22 6b 69 63 6b 22 7d';
    expect(toHex(encodePacket(PacketType.Kick, encodeKick('kick')))).toBe(normHex(v28a));
    const [p] = decodePackets(hex(v28a));
    expect(p?.type).toBe(PacketType.Kick);
    expect(parseKick(p?.body ?? new Uint8Array())).toEqual({ reason: 'kick', raw: { reason: 'kick' } });
  });
  it('V28b pitaya style: empty body', () => {
    expect(toHex(encodePacket(PacketType.Kick, encodeKick()))).toBe('05 00 00 00');
    const [p] = decodePackets(hex('05 00 00 00'));
    expect(parseKick(p?.body ?? new Uint8Array(1))).toEqual({});
  });
  it('other JSON objects are kept raw; a non-string reason is not a reason', () => {
    expect(parseKick(utf8Bytes('{"code":4001,"reason":7}'))).toEqual({ raw: { code: 4001, reason: 7 } });
  });
  it.each(['"kick"', 'null', '[1]', 'kick', '{'])('body %s is ERR_INVALID_KICK', (body) => {
    expectProtocolError(() => parseKick(utf8Bytes(body)), 'ERR_INVALID_KICK');
  });
});
