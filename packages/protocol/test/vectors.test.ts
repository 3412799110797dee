/**
 * Golden vectors: every vector V1–V30 of docs/protocol.md as literal hex, expanded by `roundTrip` into decode,
 * byte-exact encode and mirror tests. Handshake bodies (V3–V6) and Kick (V28) have their own files; their packet
 * framing is checked here too. The streaming side of the same vectors is in streaming.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodePackets,
  decodeUtf8,
  encodeDataPacket,
  encodeMessage,
  encodeUtf8,
  MessageType,
  PacketReader,
  PacketType,
  RouteDictionary,
  readVarint,
  varintLength,
  writeVarint,
} from '../src/index.js';
import {
  concat,
  expectProtocolError,
  generateError,
  hex,
  messageError,
  normHex,
  parseError,
  roundTrip,
  toHex,
  utf8Bytes,
} from './helpers.js';

const { Request, Notify, Response, Push } = MessageType;
const Data = PacketType.Data;
const nanoDict = new RouteDictionary({ 'Room.Join': 1, onMessage: 2 });
const NAME_A_CONTENT_HI = '{"name":"a","content":"hi"}';

describe('V1–V2: empty-body packets', () => {
  roundTrip('V1 heartbeat', { type: PacketType.Heartbeat }, '03 00 00 00');
  roundTrip('V1 handshake ack', { type: PacketType.HandshakeAck }, '02 00 00 00');
  roundTrip('V2 empty handshake (Go benchmark client)', { type: PacketType.Handshake }, '01 00 00 00');
  roundTrip('Kick without body', { type: PacketType.Kick }, '05 00 00 00');
});

describe('V3–V6: handshake packets (framing; JSON bodies in handshake.test.ts)', () => {
  roundTrip(
    'V3a starx handshake without user',
    { type: PacketType.Handshake, body: '{"sys":{"type":"js-websocket","version":"0.0.1","rsa":{}}}' },
    '01 00 00 3a 7b 22 73 79 73 22 3a 7b 22 74 79 70 65 22 3a 22 6a 73 2d 77 65 62 73 6f 63 6b 65 74' +
      '22 2c 22 76 65 72 73 69 6f 6e 22 3a 22 30 2e 30 2e 31 22 2c 22 72 73 61 22 3a 7b 7d 7d 7d',
  );
  roundTrip(
    'V6 jmesyan handshake reply',
    { type: PacketType.Handshake, body: '{"code":200,"sys":{"heartbeat":30}}' },
    '01 00 00 23 7b 22 63 6f 64 65 22 3a 32 30 30 2c 22 73 79 73 22 3a 7b 22 68 65 61 72 74 62 65 61' +
      '74 22 3a 33 30 7d 7d',
  );
});

describe('V7–V17: messages', () => {
  roundTrip(
    'V7 request id 1 Room.Join {"a":1}',
    { type: Data, message: { type: Request, id: 1, route: 'Room.Join', body: '{"a":1}' } },
    '04 00 00 13 00 01 09 52 6f 6f 6d 2e 4a 6f 69 6e 7b 22 61 22 3a 31 7d',
  );
  roundTrip(
    'V8 same, compressed with Room.Join=1',
    { type: Data, message: { type: Request, id: 1, route: 'Room.Join', body: '{"a":1}' } },
    '04 00 00 0b 01 01 00 01 7b 22 61 22 3a 31 7d',
    { dictionary: nanoDict },
  );
  roundTrip(
    'V9 chat demo room.join {}',
    { type: Data, message: { type: Request, id: 1, route: 'room.join', body: '{}' } },
    '04 00 00 0e 00 01 09 72 6f 6f 6d 2e 6a 6f 69 6e 7b 7d',
  );
  roundTrip(
    'V10 notify room.message',
    { type: Data, message: { type: Notify, route: 'room.message', body: NAME_A_CONTENT_HI } },
    '04 00 00 29 02 0c 72 6f 6f 6d 2e 6d 65 73 73 61 67 65 7b 22 6e 61 6d 65 22 3a 22 61 22 2c 22 63 6f 6e' +
      '74 65 6e 74 22 3a 22 68 69 22 7d',
  );
  roundTrip(
    'V11 compressed notify code 0x0102',
    { type: Data, message: { type: Notify, route: 'Chat.Send', body: '{}' } },
    '04 00 00 05 03 01 02 7b 7d',
    { dictionary: new RouteDictionary({ 'Chat.Send': 0x0102 }) },
  );
  roundTrip(
    'V12 push onMessage',
    { type: Data, message: { type: Push, route: 'onMessage', body: NAME_A_CONTENT_HI } },
    '04 00 00 26 06 09 6f 6e 4d 65 73 73 61 67 65 7b 22 6e 61 6d 65 22 3a 22 61 22 2c 22 63 6f 6e 74 65 6e' +
      '74 22 3a 22 68 69 22 7d',
  );
  roundTrip(
    'V13a compressed push onMessage=2',
    { type: Data, message: { type: Push, route: 'onMessage', body: NAME_A_CONTENT_HI } },
    '04 00 00 1e 07 00 02 7b 22 6e 61 6d 65 22 3a 22 61 22 2c 22 63 6f 6e 74 65 6e 74 22 3a 22 68 69 22 7d',
    { dictionary: nanoDict },
  );
  roundTrip(
    'V13b compressed push with code 0',
    { type: Data, message: { type: Push, route: 'onZero', body: '{}' } },
    '04 00 00 05 07 00 00 7b 7d',
    { dictionary: new RouteDictionary({ onZero: 0 }) },
  );
  roundTrip(
    'V14 benchmark ping: notify, empty payload',
    { type: Data, message: { type: Notify, route: 'TestHandler.Ping' } },
    '04 00 00 12 02 10 54 65 73 74 48 61 6e 64 6c 65 72 2e 50 69 6e 67',
  );
  roundTrip(
    'V15 benchmark pong: push, empty payload',
    { type: Data, message: { type: Push, route: 'pong' } },
    '04 00 00 06 06 04 70 6f 6e 67',
  );
  roundTrip(
    'V16 response id 1',
    { type: Data, message: { type: Response, id: 1, body: '{"code":0,"result":"success"}' } },
    '04 00 00 1f 04 01 7b 22 63 6f 64 65 22 3a 30 2c 22 72 65 73 75 6c 74 22 3a 22 73 75 63 63 65 73 73 22 7d',
  );
  roundTrip(
    'V17a response id 300',
    { type: Data, message: { type: Response, id: 300, body: '{}' } },
    '04 00 00 05 04 ac 02 7b 7d',
  );
  roundTrip(
    'V17b request id 300 route A.B',
    { type: Data, message: { type: Request, id: 300, route: 'A.B', body: '{}' } },
    '04 00 00 09 00 ac 02 03 41 2e 42 7b 7d',
  );
  it('a Response never gets a route code, even when the dictionary holds ""', () => {
    const dict = new RouteDictionary({ '': 7 });
    expect(toHex(encodeDataPacket({ type: Response, id: 1, body: '{}' }, { dictionary: dict }))).toBe(
      normHex('04 00 00 04 04 01 7b 7d'),
    );
  });
});

describe('V18: varint ids (Response, {} body), and request ids at the boundaries', () => {
  const table: Array<[number, string]> = [
    [0, '00'],
    [127, '7f'],
    [128, '80 01'],
    [255, 'ff 01'],
    [16383, 'ff 7f'],
    [16384, '80 80 01'],
    [2 ** 31 - 1, 'ff ff ff ff 07'],
    [2 ** 31, '80 80 80 80 08'],
    [2 ** 32 - 1, 'ff ff ff ff 0f'],
    [2 ** 53 - 1, 'ff ff ff ff ff ff ff 0f'],
  ];
  for (const [id, varint] of table) {
    const n = hex(varint).length;
    roundTrip(
      `V18 response id ${id}`,
      { type: Data, message: { type: Response, id, body: '{}' } },
      `04 00 00 ${(1 + n + 2).toString(16).padStart(2, '0')} 04 ${varint} 7b 7d`,
    );
    roundTrip(
      `request id ${id}, route "a"`,
      { type: Data, message: { type: Request, id, route: 'a' } },
      `04 00 00 ${(1 + n + 2).toString(16).padStart(2, '0')} 00 ${varint} 01 61`,
    );
  }
  // 2^53 is the spec's last table entry; it is not an exact JS integer id, so we refuse it both ways.
  parseError('ERR_INVALID_MESSAGE_ID', '04 00 00 0b 04 80 80 80 80 80 80 80 10 7b 7d');
  generateError('ERR_INVALID_MESSAGE_ID', { type: Data, message: { type: Response, id: 2 ** 53, body: '{}' } });
  generateError('ERR_INVALID_MESSAGE_ID', { type: Data, message: { type: Request, id: -1, route: 'a' } });
  generateError('ERR_INVALID_MESSAGE_ID', { type: Data, message: { type: Request, id: 1.5, route: 'a' } });
  generateError('ERR_INVALID_MESSAGE_ID', { type: Data, message: { type: Request, route: 'a' } }, {}, 'missing id');
  it('readVarint / writeVarint / varintLength on the same table', () => {
    for (const [id, varint] of table) {
      const bytes = hex(varint);
      expect(varintLength(id)).toBe(bytes.length);
      const out = new Uint8Array(bytes.length + 2);
      expect(writeVarint(id, out, 1)).toBe(1 + bytes.length);
      expect(toHex(out.subarray(1, 1 + bytes.length))).toBe(toHex(bytes));
      expect(readVarint(out, 1, out.length)).toEqual({ value: id, offset: 1 + bytes.length });
    }
    expectProtocolError(() => readVarint(hex('ff ff'), 0, 2), 'ERR_TRUNCATED_VARINT');
    expectProtocolError(() => readVarint(hex('ff 7f'), 0, 1), 'ERR_TRUNCATED_VARINT');
    expectProtocolError(() => readVarint(hex('80 80 80 80 80 80 80 10'), 0, 8), 'ERR_INVALID_MESSAGE_ID');
    expectProtocolError(() => varintLength(2 ** 53), 'ERR_INVALID_MESSAGE_ID');
  });
  it('non-minimal varints decode as nano does (81 00 is 1)', () => {
    expect(decodeMessage(hex('04 81 00 7b 7d')).id).toBe(1);
    expect(decodeMessage(hex('04 ff ff ff ff ff ff ff 0f')).id).toBe(2 ** 53 - 1);
  });
  it('a long run of 0x80 continuation bytes is refused, never NaN', () => {
    expectProtocolError(
      () => decodeMessage(concat(hex('04'), new Uint8Array(200).fill(0x80), hex('00'))),
      'ERR_INVALID_MESSAGE_ID',
    );
  });
});

describe('V19, routes: UTF-8, empty, 255-byte boundary', () => {
  roundTrip(
    'V19 non-ASCII route é.x',
    { type: Data, message: { type: Request, id: 2, route: 'é.x', body: '{}' } },
    '04 00 00 09 00 02 04 c3 a9 2e 78 7b 7d',
  );
  roundTrip(
    'astral route 😀.x (4-byte UTF-8, not CESU-8)',
    { type: Data, message: { type: Notify, route: '😀.x' } },
    '04 00 00 08 02 06 f0 9f 98 80 2e 78',
  );
  roundTrip(
    'CJK route 房间.加入',
    { type: Data, message: { type: Request, id: 3, route: '房间.加入', body: '{}' } },
    '04 00 00 12 00 03 0d e6 88 bf e9 97 b4 2e e5 8a a0 e5 85 a5 7b 7d',
  );
  roundTrip('empty route ""', { type: Data, message: { type: Request, id: 1, route: '' } }, '04 00 00 03 00 01 00');
  const r255 = 'r'.repeat(255);
  roundTrip(
    '255-byte route',
    { type: Data, message: { type: Notify, route: r255, body: '{}' } },
    `04 00 01 03 02 ff ${' 72'.repeat(255)} 7b 7d`,
  );
  roundTrip(
    '255-byte route made of 2-byte characters and one ASCII',
    { type: Data, message: { type: Push, route: `${'é'.repeat(127)}x` } },
    `04 00 01 01 06 ff ${' c3 a9'.repeat(127)} 78`,
  );
  generateError(
    'ERR_ROUTE_TOO_LONG',
    { type: Data, message: { type: Notify, route: 'r'.repeat(256) } },
    {},
    '256 ASCII',
  );
  generateError('ERR_ROUTE_TOO_LONG', { type: Data, message: { type: Notify, route: 'é'.repeat(128) } }, {}, '256 B');
  generateError(
    'ERR_ROUTE_TOO_LONG',
    { type: Data, message: { type: Request, id: 1, route: '加'.repeat(86) } },
    {},
    '258 B of CJK',
  );
  it('a route longer than 255 bytes that is in the dictionary is sent as its code', () => {
    const long = 'r'.repeat(300);
    const bytes = encodeDataPacket({ type: Notify, route: long }, { dictionary: new RouteDictionary({ [long]: 9 }) });
    expect(toHex(bytes)).toBe(normHex('04 00 00 03 03 00 09'));
  });
});

describe('compressed routes', () => {
  const dict = new RouteDictionary({ 'Room.Join': 0, 'Room.Max': 0xffff, onPush: 0x1234 });
  roundTrip(
    'request with code 0',
    { type: Data, message: { type: Request, id: 5, route: 'Room.Join', body: '{}' } },
    '04 00 00 06 01 05 00 00 7b 7d',
    { dictionary: dict },
  );
  roundTrip(
    'notify with code 0xffff',
    { type: Data, message: { type: Notify, route: 'Room.Max' } },
    '04 00 00 03 03 ff ff',
    { dictionary: dict },
  );
  roundTrip(
    'push with code 0x1234 and empty body',
    { type: Data, message: { type: Push, route: 'onPush' } },
    '04 00 00 03 07 12 34',
    { dictionary: dict },
  );
  roundTrip(
    'a route missing from the dictionary is sent as text',
    { type: Data, message: { type: Push, route: 'onOther', body: '1' } },
    '04 00 00 0a 06 07 6f 6e 4f 74 68 65 72 31',
    { dictionary: dict },
  );
});

describe('flag bits 0x10 (gzip) and 0x20 (error) are fields, never dropped', () => {
  roundTrip(
    'V26 pitaya error response 24 01 {}',
    { type: Data, message: { type: Response, id: 1, body: '{}', error: true } },
    '04 00 00 04 24 01 7b 7d',
  );
  roundTrip(
    'V26 notify with bit 4: route "a", payload "x"',
    { type: Data, message: { type: Notify, route: 'a', body: 'x', gzip: true } },
    '04 00 00 04 12 01 61 78',
  );
  roundTrip(
    'pinus gzip push with compressed route',
    { type: Data, message: { type: Push, route: 'onMessage', body: hex('1f 8b 08 00'), gzip: true } },
    '04 00 00 07 17 00 02 1f 8b 08 00',
    { dictionary: nanoDict },
  );
  roundTrip(
    'gzip and error together on a response',
    { type: Data, message: { type: Response, id: 2, gzip: true, error: true } },
    '04 00 00 02 34 02',
  );
  it('bits 6–7 are ignored on decode', () => {
    const m = decodeMessage(hex('c6 01 61 78'));
    expect([m.type, m.route, decodeUtf8(m.body), m.gzip, m.error]).toEqual([Push, 'a', 'x', false, false]);
  });
  it('bit 0 of a Response is ignored (a Response has no route)', () => {
    const m = decodeMessage(hex('05 01 7b 7d'));
    expect([m.type, m.id, m.route, m.compressed, m.routeCode]).toEqual([Response, 1, '', false, -1]);
  });
});

describe('V20–V22: several packets per frame, empty bodies', () => {
  roundTrip(
    'V20 heartbeat + response id 5 in one frame',
    [{ type: PacketType.Heartbeat }, { type: Data, message: { type: Response, id: 5, body: '{}' } }],
    '03 00 00 00 04 00 00 04 04 05 7b 7d',
  );
  roundTrip(
    'handshake ack + request + notify + heartbeat in one frame',
    [
      { type: PacketType.HandshakeAck },
      { type: Data, message: { type: Request, id: 1, route: 'Room.Join', body: '{}' } },
      { type: Data, message: { type: Notify, route: 'onMessage' } },
      { type: PacketType.Heartbeat },
    ],
    '02 00 00 00 | 04 00 00 06 01 01 00 01 7b 7d | 04 00 00 03 03 00 02 | 03 00 00 00',
    { dictionary: nanoDict },
  );
  roundTrip(
    'V21 empty-body response (nano rejects, we accept)',
    { type: Data, message: { type: Response, id: 1 } },
    '04 00 00 02 04 01',
  );
  roundTrip(
    'V22 minimal notify, route "" and no payload',
    { type: Data, message: { type: Notify, route: '' } },
    '04 00 00 02 02 00',
  );
  roundTrip(
    'empty-body request',
    { type: Data, message: { type: Request, id: 9, route: 'A.b' } },
    '04 00 00 06 00 09 03 41 2e 62',
  );
  roundTrip('empty-body push', { type: Data, message: { type: Push, route: 'p' } }, '04 00 00 03 06 01 70');
  it('an empty input decodes to no packets', () => {
    expect(decodePackets(new Uint8Array(0))).toEqual([]);
  });
  it('a string body and the same bytes encode identically', () => {
    const text = '{"u":"héllo ✓ 😀"}';
    expect(toHex(encodeMessage({ type: Push, route: 'x', body: text }))).toBe(
      toHex(encodeMessage({ type: Push, route: 'x', body: utf8Bytes(text) })),
    );
  });
});

describe('V23: size limit (65 536 inclusive)', () => {
  it('a 65 536-byte body is accepted, by decodePackets and by the reader', () => {
    const packet = concat(hex('04 01 00 00'), hex('02 00'), new Uint8Array(65534).fill(0x61));
    const [p] = decodePackets(packet);
    expect(p?.body.length).toBe(65536);
    expect(new PacketReader().push(packet)[0]?.body.length).toBe(65536);
  });
  parseError('ERR_PACKET_TOO_LARGE', '04 01 00 01', {}, 'V23 04 01 00 01 (65 537), rejected at the header');
  parseError('ERR_PACKET_TOO_LARGE', '04 00 00 0b', { maxBodyLength: 10 }, 'configured limit 10, body 11');
  it('a configurable limit admits larger packets (nano sends 70 035-byte responses)', () => {
    const body = new Uint8Array(70035);
    body[0] = 0x04;
    body[1] = 0x02;
    const [p] = decodePackets(concat(hex('04 01 11 93'), body), { maxBodyLength: 0xffffff });
    expect(p?.body.length).toBe(70035);
  });
  it('encoding refuses bodies over the 24-bit field or the given limit, before allocating', () => {
    expectProtocolError(
      () => encodeDataPacket({ type: Push, route: 'p', body: new Uint8Array(100) }, { maxBodyLength: 50 }),
      'ERR_PACKET_TOO_LARGE',
    );
    expectProtocolError(
      () => encodeMessage({ type: Push, route: 'p', body: 'x'.repeat(0x1000000) }),
      'ERR_PACKET_TOO_LARGE',
    );
  });
});

describe('V24–V25: bad packet type, bad message type, bad routes', () => {
  parseError('ERR_UNKNOWN_PACKET_TYPE', '06 00 00 00', {}, 'V24 type 6');
  parseError('ERR_UNKNOWN_PACKET_TYPE', '00 00 00 00', {}, 'V24 type 0');
  parseError('ERR_UNKNOWN_PACKET_TYPE', 'ff 00 00 01 00', {}, 'type 255');
  it('V24 03 00 00 00 00 00 00 00: the heartbeat is delivered first, then the error', () => {
    const seen: number[] = [];
    const reader = new PacketReader();
    expectProtocolError(
      () => reader.read(hex('03 00 00 00 00 00 00 00'), (p) => seen.push(p.type)),
      'ERR_UNKNOWN_PACKET_TYPE',
    );
    expect(seen).toEqual([PacketType.Heartbeat]);
  });
  messageError('ERR_UNKNOWN_MESSAGE_TYPE', '08 00 00');
  messageError('ERR_UNKNOWN_MESSAGE_TYPE', '0e 01 61');
  messageError('ERR_UNKNOWN_ROUTE_CODE', '03 00 63 7b 7d', { dictionary: nanoDict });
  messageError('ERR_UNKNOWN_ROUTE_CODE', '03 00 02 7b 7d'); // no dictionary at all
  messageError('ERR_ROUTE_OVERRUN', '02 05 61');
  parseError('ERR_ROUTE_OVERRUN', '04 00 00 03 02 05 61', {}, 'V25 02 05 61 in a packet');
  parseError('ERR_UNKNOWN_ROUTE_CODE', '04 00 00 05 03 00 63 7b 7d', { dictionary: nanoDict }, 'V25 code 0x63');
  generateError('ERR_UNKNOWN_MESSAGE_TYPE', { type: Data, message: { type: 4 as MessageType, route: 'a' } });
  generateError('ERR_INVALID_ROUTE', { type: Data, message: { type: Notify } }, {}, 'notify without route');
});

describe('V27: a 256-byte route', () => {
  generateError('ERR_ROUTE_TOO_LONG', { type: Data, message: { type: Push, route: 'a'.repeat(256), body: '{}' } });
  it("decodes Go's wrapped encoding as nano does: route '' and the route bytes in the payload", () => {
    const goBytes = concat(hex('06 00'), new Uint8Array(256).fill(0x61), utf8Bytes('{}'));
    expect(goBytes.length).toBe(260);
    const m = decodeMessage(goBytes);
    expect(m.route).toBe('');
    expect(decodeUtf8(m.body)).toBe(`${'a'.repeat(256)}{}`);
  });
});

describe('V29: astral characters are 4-byte UTF-8; CESU-8 from the old JS clients is repaired, never written', () => {
  it('U+1F600 encodes as f0 9f 98 80', () => {
    expect(toHex(encodeUtf8('😀'))).toBe('f0 9f 98 80');
    expect(decodeUtf8(hex('f0 9f 98 80'))).toBe('😀');
  });
  it('the JS client CESU-8 form ed a0 bd ed b8 80 decodes to U+1F600', () => {
    expect(decodeUtf8(hex('ed a0 bd ed b8 80'))).toBe('😀');
  });
});
