/**
 * Bad input: every failure has its own stable code, is a ProtocolError (name, code, isNanoError), and is thrown,
 * never returned as null, {} or a partial message. One trigger per code of ProtocolErrorCode, checked to be complete.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodePackets,
  decodeUtf8,
  encodeDataPacket,
  encodeHandshakeResponse,
  encodeKick,
  encodeMessage,
  encodePacket,
  HandshakeError,
  isNanoError,
  jsonSerializer,
  jsUtf8,
  MessageType,
  NanoError,
  PacketReader,
  type PacketType,
  PacketWriter,
  ProtocolError,
  ProtocolErrorCode,
  parseHandshakeRequest,
  parseHandshakeResponse,
  parseKick,
  RouteDictionary,
  utf8,
} from '../src/index.js';
import { pomeloProtobuf } from '../src/pomelo-protobuf.js';
import { createProtobufSerializer, decodePitayaError } from '../src/protobuf.js';
import { concat, expectProtocolError, hex, utf8Bytes } from './helpers.js';

const nanoDict = new RouteDictionary({ 'Room.Join': 1, 'Room.Message': 2, onMessage: 3, 'Room.Echo': 4 });
const packetThenMessage = (h: string) => {
  const [p] = decodePackets(hex(h));
  return decodeMessage(p?.body ?? new Uint8Array(), { dictionary: nanoDict });
};

/** One trigger per code. */
const triggers: Array<[code: string, what: string, fn: () => unknown]> = [
  ['ERR_UNKNOWN_PACKET_TYPE', 'packet type 0x06', () => decodePackets(hex('06 00 00 00'))],
  ['ERR_PACKET_TOO_LARGE', 'length header 65 537', () => new PacketReader().push(hex('04 01 00 01'))],
  ['ERR_TRUNCATED_PACKET', 'body cut short in a whole frame', () => decodePackets(hex('04 00 00 05 02 00'))],
  ['ERR_EMPTY_MESSAGE', 'Data packet with an empty body', () => packetThenMessage('04 00 00 00')],
  ['ERR_UNKNOWN_MESSAGE_TYPE', 'message type 4 (flag 0x08)', () => decodeMessage(hex('08 00 00'))],
  ['ERR_TRUNCATED_VARINT', 'request id 81 82 never terminated', () => packetThenMessage('04 00 00 03 00 81 82')],
  ['ERR_INVALID_MESSAGE_ID', 'id 2^53', () => decodeMessage(hex('04 80 80 80 80 80 80 80 10'))],
  ['ERR_MISSING_ROUTE', 'request with an id and no route byte', () => packetThenMessage('04 00 00 02 00 01')],
  ['ERR_ROUTE_OVERRUN', 'route length 5 with 1 byte left', () => packetThenMessage('04 00 00 03 02 05 61')],
  [
    'ERR_TRUNCATED_ROUTE_CODE',
    '04 00 00 02 03 00: the packet that crashes nano',
    () => packetThenMessage('04 00 00 02 03 00'),
  ],
  [
    'ERR_UNKNOWN_ROUTE_CODE',
    'code 0x0063 not in the dictionary',
    () => packetThenMessage('04 00 00 05 03 00 63 7b 7d'),
  ],
  ['ERR_INVALID_UTF8', 'route with a surrogate lead cut short (ed a0 ff)', () => decodeMessage(hex('02 03 ed a0 ff'))],
  ['ERR_ROUTE_TOO_LONG', '256-byte route', () => encodeMessage({ type: MessageType.Notify, route: 'a'.repeat(256) })],
  [
    'ERR_INVALID_ROUTE',
    'route that is not a string',
    () => encodeMessage({ type: MessageType.Push, route: 5 as never }),
  ],
  ['ERR_INVALID_DICTIONARY', 'code 65 536', () => new RouteDictionary({ a: 65536 })],
  ['ERR_INVALID_HANDSHAKE', 'reply that is not JSON', () => parseHandshakeResponse(utf8Bytes('nope'))],
  ['ERR_COMPRESSED_HANDSHAKE', 'gzip reply without inflate', () => parseHandshakeResponse(hex('1f 8b 08 00'))],
  ['ERR_COMPRESSED_HANDSHAKE', 'zlib reply without inflate', () => parseHandshakeResponse(hex('78 9c 03 00'))],
  ['ERR_INVALID_KICK', 'kick body that is a string', () => parseKick(utf8Bytes('"bye"'))],
  ['ERR_INVALID_PAYLOAD', 'JSON body that is not JSON', () => jsonSerializer.decode('r', utf8Bytes('{'), 3)],
  ['ERR_SERIALIZE_FAILED', 'BigInt body', () => jsonSerializer.encode('r', { n: BigInt(1) }, 0)],
  [
    'ERR_UNKNOWN_PROTO_ROUTE',
    'protobuf serializer without a type for the route',
    () => createProtobufSerializer({}).encode('Room.Join', {}, 0),
  ],
  [
    'ERR_INVALID_PROTOS',
    'pomelo-protobuf protos with a field that is not {option, type, tag}',
    () =>
      pomeloProtobuf().onHandshake?.(
        parseHandshakeResponse(utf8Bytes('{"code":200,"sys":{"protos":{"server":{"r":{"a":1}}}}}')),
      ),
  ],
  ['ERR_INVALID_ARGUMENT', 'packet body that is not bytes', () => encodePacket(4, [1, 2] as never)],
];

describe('bad input: one trigger per error code', () => {
  for (const [code, what, fn] of triggers) {
    it(`${code}: ${what}`, () => {
      const err = expectProtocolError(fn, code);
      expect(err).toBeInstanceOf(NanoError);
      expect(err).toBeInstanceOf(Error);
      expect(err.stack).toBeTypeOf('string');
    });
  }
  it('every ProtocolErrorCode has a trigger (ERR_HANDSHAKE_REFUSED is a HandshakeError: handshake.test.ts)', () => {
    const covered = new Set(triggers.map(([code]) => code));
    const all = Object.values(ProtocolErrorCode).filter((c) => c !== 'ERR_HANDSHAKE_REFUSED');
    expect([...covered].sort()).toEqual([...all].sort());
    expect(new HandshakeError(500, {}).code).toBe(ProtocolErrorCode.HandshakeRefused);
  });
});

describe('the nano crash packet 04 00 00 02 03 00', () => {
  it('is an error even when more bytes follow in the same buffer (no over-read into the next packet)', () => {
    const chunk = hex('04 00 00 02 03 00 | 03 00 00 00 | 04 00 00 02 02 00');
    const packets = decodePackets(chunk);
    expect(packets.length).toBe(3);
    expectProtocolError(
      () => decodeMessage(packets[0]?.body ?? new Uint8Array(), { dictionary: nanoDict }),
      'ERR_TRUNCATED_ROUTE_CODE',
    );
    // The reader hands it out as a packet like any other; only the message layer refuses it.
    const reader = new PacketReader();
    const fromReader = reader.push(chunk);
    expect(fromReader.map((p) => p.type)).toEqual([4, 3, 4]);
    expectProtocolError(() => decodeMessage(fromReader[0]?.body ?? new Uint8Array()), 'ERR_TRUNCATED_ROUTE_CODE');
    expect(decodeMessage(fromReader[2]?.body ?? new Uint8Array()).route).toBe('');
  });
  it('a compressed route with one code byte on a Request and on a Push', () => {
    expectProtocolError(() => decodeMessage(hex('01 05 00')), 'ERR_TRUNCATED_ROUTE_CODE');
    expectProtocolError(() => decodeMessage(hex('07 00')), 'ERR_TRUNCATED_ROUTE_CODE');
    expectProtocolError(() => decodeMessage(hex('07')), 'ERR_TRUNCATED_ROUTE_CODE');
  });
});

describe('more bad routes and ids', () => {
  it.each([
    ['surrogate lead, then not a continuation byte', '02 03 ed a0 41'],
    ['overlong surrogate (4 bytes)', '02 04 f0 8d a0 80'],
    ['lone continuation byte', '02 01 80'],
    ['overlong /', '02 02 c0 af'],
    ['truncated 3-byte sequence', '02 02 e6 88'],
    ['above U+10FFFF', '02 04 f4 90 80 80'],
    ['0xff', '02 03 61 ff 62'],
  ])('invalid UTF-8 in a route: %s', (_name, h) => {
    expectProtocolError(() => decodeMessage(hex(h)), 'ERR_INVALID_UTF8');
  });
  it('invalid UTF-8 in a long route (the native decoder path)', () => {
    const route = concat(utf8Bytes('a'.repeat(40)), hex('ed a0 bd ff'));
    expectProtocolError(
      () => decodeMessage(concat(hex('06'), new Uint8Array([route.length]), route)),
      'ERR_INVALID_UTF8',
    );
  });
  it('CESU-8 in a route is repaired, short (JS path) or long (native path, then the JS repair)', () => {
    expect(decodeMessage(hex('02 06 ed a0 bd ed b8 80')).route).toBe('😀');
    const route = concat(utf8Bytes('a'.repeat(40)), hex('ed a0 bd ed b8 80 ed a0 bd'));
    expect(decodeMessage(concat(hex('06'), new Uint8Array([route.length]), route)).route).toBe(
      `${'a'.repeat(40)}😀\ufffd`,
    );
  });
  it.each([
    ['request', '00'],
    ['response', '04'],
    ['request 80', '00 80'],
    ['response ff ff', '04 ff ff'],
  ])('truncated varint: %s', (_name, h) => {
    expectProtocolError(() => decodeMessage(hex(h)), 'ERR_TRUNCATED_VARINT');
  });
  it.each([
    ['notify', '02'],
    ['push', '06'],
    ['request with id', '00 01'],
  ])('missing route: %s', (_name, h) => {
    expectProtocolError(() => decodeMessage(hex(h)), 'ERR_MISSING_ROUTE');
  });
  it('message types 4–7 in every flag combination', () => {
    for (let flag = 0; flag < 256; flag++) {
      if (((flag >> 1) & 7) <= 3) continue;
      expectProtocolError(() => decodeMessage(new Uint8Array([flag, 1, 0x61])), 'ERR_UNKNOWN_MESSAGE_TYPE');
    }
  });
  it('unknown route codes, with and without a dictionary', () => {
    expectProtocolError(() => decodeMessage(hex('03 00 05')), 'ERR_UNKNOWN_ROUTE_CODE');
    expectProtocolError(() => decodeMessage(hex('07 ff ff'), { dictionary: nanoDict }), 'ERR_UNKNOWN_ROUTE_CODE');
  });
});

describe('bad arguments when encoding', () => {
  const writer = new PacketWriter();
  it.each([
    ['type 0', () => encodePacket(0 as PacketType)],
    ['type 6', () => writer.encodePacket(6 as PacketType)],
    // Not integers: a Uint8Array would store 1.5 as 1 and 4.9 as 4, and '4' as 4.
    ['type 1.5', () => encodePacket(1.5 as PacketType)],
    ['type 4.9 with a body', () => encodePacket(4.9 as PacketType, new Uint8Array([1]))],
    ["type '4'", () => encodePacket('4' as never)],
    ['type NaN', () => encodePacket(Number.NaN as PacketType)],
    ['type 4n', () => encodePacket(BigInt(4) as never)],
    ['type 2.5 (writer)', () => writer.encodePacket(2.5 as PacketType)],
    ["type '3' (writer)", () => writer.encodePacket('3' as never)],
    ['type 4.000001 with a body (writer)', () => writer.encodePacket(4.000001 as PacketType, new Uint8Array([1]))],
  ])('unknown packet %s', (_name, fn) => {
    expectProtocolError(fn, 'ERR_UNKNOWN_PACKET_TYPE');
  });
  it.each([
    ['body number', () => encodeDataPacket({ type: 3, route: 'a', body: 5 as never })],
    ['body object (writer)', () => writer.encodeDataPacket({ type: 3, route: 'a', body: {} as never })],
    ['packet body string (writer)', () => writer.encodePacket(4, 'x' as never)],
    ['slab too small', () => new PacketWriter({ slabSize: 8 })],
  ])('%s is ERR_INVALID_ARGUMENT', (_name, fn) => {
    expectProtocolError(fn, 'ERR_INVALID_ARGUMENT');
  });
  it.each([
    ['type -1', -1],
    ['type 1.5', 1.5],
    ['type NaN', Number.NaN],
  ])('message %s is ERR_UNKNOWN_MESSAGE_TYPE', (_name, type) => {
    expectProtocolError(() => encodeMessage({ type: type as MessageType, route: 'a' }), 'ERR_UNKNOWN_MESSAGE_TYPE');
    expectProtocolError(
      () => writer.encodeMessage({ type: type as MessageType, route: 'a' }),
      'ERR_UNKNOWN_MESSAGE_TYPE',
    );
  });
  it('a 16 MiB body is refused before allocation; the writer honours its limit', () => {
    expectProtocolError(() => encodePacket(4, new Uint8Array(0x1000000)), 'ERR_PACKET_TOO_LARGE');
    const small = new PacketWriter({ maxBodyLength: 10 });
    expectProtocolError(() => small.encodePacket(4, new Uint8Array(11)), 'ERR_PACKET_TOO_LARGE');
    expectProtocolError(
      () => small.encodeDataPacket({ type: 3, route: 'onMessage', body: 'xx' }),
      'ERR_PACKET_TOO_LARGE',
    );
    // 4 chars, 12 UTF-8 bytes: passes the lower bound, fails the exact check after writing.
    expectProtocolError(() => small.encodeMessage({ type: 1, route: '', body: '加加加加' }), 'ERR_PACKET_TOO_LARGE');
    expect(encodeKick('x').length).toBe(14);
  });
});

describe('input that is not a Uint8Array is refused, never read as nothing (or looped on)', () => {
  const notBytes: Array<[string, unknown]> = [
    ['an ArrayBuffer', new ArrayBuffer(6)],
    ['a number[]', [4, 0, 0, 2, 2, 0]],
    ['a string', '\x04\x00\x00\x02\x02\x00'],
    ['a DataView', new DataView(new ArrayBuffer(6))],
    ['null', null],
  ];
  for (const [name, input] of notBytes) {
    it(`${name}: decodePackets, decodeMessage and PacketReader throw ERR_INVALID_ARGUMENT`, () => {
      expectProtocolError(() => decodePackets(input as Uint8Array), 'ERR_INVALID_ARGUMENT');
      expectProtocolError(() => decodeMessage(input as Uint8Array), 'ERR_INVALID_ARGUMENT');
      const reader = new PacketReader();
      expectProtocolError(() => reader.push(input as Uint8Array), 'ERR_INVALID_ARGUMENT');
      // Nothing was consumed: the reader is not poisoned.
      expect(reader.push(hex('03 00 00 00')).length).toBe(1);
    });
  }
  it('a Node Buffer is a Uint8Array and works', () => {
    expect(decodePackets(Buffer.from([3, 0, 0, 0])).length).toBe(1);
    expect(decodeMessage(Buffer.from([2, 0])).route).toBe('');
  });
});

describe('arguments of the wrong kind are ERR_INVALID_ARGUMENT at every entry point, never a TypeError', () => {
  const writer = new PacketWriter();
  const pb = createProtobufSerializer({});
  const calls: Array<[string, (arg: never) => unknown]> = [
    ['encodeMessage', (msg) => encodeMessage(msg)],
    ['encodeDataPacket', (msg) => encodeDataPacket(msg)],
    ['PacketWriter.encodeMessage', (msg) => writer.encodeMessage(msg)],
    ['PacketWriter.encodeDataPacket', (msg) => writer.encodeDataPacket(msg)],
    ['encodeHandshakeResponse', (init) => encodeHandshakeResponse(init)],
    ['parseKick', (body) => parseKick(body)],
    ['parseHandshakeRequest', (body) => parseHandshakeRequest(body)],
    ['parseHandshakeResponse', (body) => parseHandshakeResponse(body)],
    ['decodeUtf8', (bytes) => decodeUtf8(bytes)],
    ['utf8.decode', (bytes) => utf8.decode(bytes)],
    ['jsUtf8.decode', (bytes) => jsUtf8.decode(bytes)],
    ['jsonSerializer.decode', (bytes) => jsonSerializer.decode('r', bytes, 3)],
    ['protobuf serializer decode', (bytes) => pb.decode('r', bytes, 3)],
    ['protobuf serializer decodeError', (bytes) => pb.decodeError?.('r', bytes)],
    ['decodePitayaError', (bytes) => decodePitayaError(bytes)],
  ];
  for (const [name, call] of calls) {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a number', 5],
    ])(`${name}(%s)`, (_what, arg) => {
      expectProtocolError(() => call(arg as never), 'ERR_INVALID_ARGUMENT');
    });
  }
  it('a null packet body (an omitted one is undefined)', () => {
    expectProtocolError(() => encodePacket(4, null as never), 'ERR_INVALID_ARGUMENT');
    expectProtocolError(() => writer.encodePacket(4, null as never), 'ERR_INVALID_ARGUMENT');
  });
  it('the byte parsers refuse an ArrayBuffer instead of reading it as nothing', () => {
    expectProtocolError(() => parseKick(new ArrayBuffer(4) as never), 'ERR_INVALID_ARGUMENT');
    expectProtocolError(() => parseHandshakeRequest(new ArrayBuffer(4) as never), 'ERR_INVALID_ARGUMENT');
    expectProtocolError(() => parseHandshakeResponse(new ArrayBuffer(8) as never), 'ERR_INVALID_ARGUMENT');
    expectProtocolError(() => decodePitayaError(new ArrayBuffer(8) as never), 'ERR_INVALID_ARGUMENT');
  });
  it.each([
    ['a number', 5],
    ['a string', 'ab'],
    ['a function', () => 1],
    ['an entry that is not a pair', [1]],
    ['an entry that is null', [null]],
  ])('new RouteDictionary(%s)', (_what, init) => {
    expectProtocolError(() => new RouteDictionary(init as never), 'ERR_INVALID_ARGUMENT');
  });
  it('an omitted dictionary is an empty one', () => {
    expect([
      new RouteDictionary().size,
      new RouteDictionary(undefined).size,
      new RouteDictionary(null as never).size,
    ]).toEqual([0, 0, 0]);
  });
});

describe('invalid dictionaries', () => {
  it.each([
    ['code 65536', { a: 65536 }],
    ['code -1', { a: -1 }],
    ['code 1.5', { a: 1.5 }],
    ['code as string', { a: '1' }],
    ['code NaN', { a: Number.NaN }],
    ['duplicate code', { a: 1, b: 1 }],
  ])('%s', (_name, init) => {
    expectProtocolError(() => new RouteDictionary(init as never), 'ERR_INVALID_DICTIONARY');
  });
  it('a non-string route in an iterable', () => {
    expectProtocolError(() => new RouteDictionary([[1 as never, 1]]), 'ERR_INVALID_DICTIONARY');
  });
  it.each([
    [
      'one route, two codes',
      [
        ['a', 1],
        ['a', 2],
      ],
    ],
    [
      'one route, two codes, not adjacent',
      [
        ['a', 1],
        ['b', 2],
        ['a', 3],
      ],
    ],
    [
      'one code, two routes',
      [
        ['a', 1],
        ['b', 1],
      ],
    ],
    [
      'a Map with one code for two routes',
      new Map([
        ['a', 7],
        ['b', 7],
      ]),
    ],
  ])('%s (nano keeps a stale code → route entry; here it is an error)', (_name, init) => {
    expectProtocolError(() => new RouteDictionary(init as never), 'ERR_INVALID_DICTIONARY');
  });
  it('the same route twice with one code is fine; toJSON gives route → code', () => {
    const d = new RouteDictionary([
      ['a', 1],
      ['a', 1],
      ['b', 0],
    ]);
    expect([d.size, d.toJSON(), [...d.entries()]]).toEqual([
      2,
      { a: 1, b: 0 },
      [
        ['a', 1],
        ['b', 0],
      ],
    ]);
  });
});

describe('errors are errors, never sentinels', () => {
  it('isNanoError rejects lookalikes and accepts copies from another bundle', () => {
    expect(isNanoError(null)).toBe(false);
    expect(isNanoError({})).toBe(false);
    expect(isNanoError(new Error('x'))).toBe(false);
    expect(isNanoError({ name: 'TypeError', code: 'ENOENT' })).toBe(false);
    // Node's own errors have ERR_* codes and *Error names too.
    let nodeError: unknown;
    try {
      Buffer.alloc(-1);
    } catch (error) {
      nodeError = error;
    }
    expect(nodeError).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(isNanoError(nodeError)).toBe(false);
    expect(isNanoError({ name: 'ProtocolError', code: 'ERR_X' })).toBe(false);
    // A second copy of the package (ESM + CJS) marks its errors with the same registered symbol.
    expect(isNanoError({ [Symbol.for('nanokit.error')]: true, name: 'ProtocolError', code: 'ERR_X' }, 'ERR_X')).toBe(
      true,
    );
    expect(isNanoError(new ProtocolError(ProtocolErrorCode.InvalidUtf8, 'x'), 'ERR_INVALID_UTF8')).toBe(true);
    expect(isNanoError(new ProtocolError(ProtocolErrorCode.InvalidUtf8, 'x'), 'ERR_EMPTY_MESSAGE')).toBe(false);
  });
  it('the cause is kept', () => {
    const err = expectProtocolError(() => jsonSerializer.decode('r', utf8Bytes('{'), 3), 'ERR_INVALID_PAYLOAD');
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(SyntaxError);
  });
});
