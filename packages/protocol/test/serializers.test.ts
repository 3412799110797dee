/**
 * Payload serializers: the JSON default, and the protobuf serializer (`@nanokit/protocol/protobuf`) with a real
 * protobufjs Root built from a JSON descriptor and with statically generated code (fixtures/chat.pb.js), which must
 * run without eval / new Function (mini-game runtimes forbid both).
 */
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  createJsonSerializer,
  decodeMessage,
  decodePackets,
  decodeUtf8,
  encodeDataPacket,
  escapeAstral,
  jsonSerializer,
  jsUtf8,
  MessageType,
  type Serializer,
} from '../src/index.js';
import { createProtobufSerializer, type ProtobufType } from '../src/protobuf.js';
import { expectProtocolError, hex, toHex, utf8Bytes } from './helpers.js';

const { Request, Notify, Response, Push } = MessageType;

/** Body → packet → body, through the real codec. */
function throughWire(serializer: Serializer, type: MessageType, route: string, value: unknown): unknown {
  const packet = encodeDataPacket({
    type,
    id: type === Request || type === Response ? 7 : 0,
    route,
    body: serializer.encode(route, value, type),
  });
  const [p] = decodePackets(packet);
  const m = decodeMessage(p?.body ?? new Uint8Array());
  return serializer.decode(m.route || route, m.body, m.type);
}

describe('jsonSerializer', () => {
  it('encodes to JSON text, written as UTF-8 by the codec; emoji and CJK survive the wire', () => {
    const value = { text: 'hi 😀 你好', n: -1.5, list: [1, null, true] };
    expect(jsonSerializer.name).toBe('json');
    expect(jsonSerializer.encode('onMessage', value, Push)).toBe(JSON.stringify(value));
    expect(throughWire(jsonSerializer, Push, 'onMessage', value)).toEqual(value);
    const packet = encodeDataPacket({ type: Push, route: 'p', body: jsonSerializer.encode('p', '😀', Push) });
    expect(toHex(packet)).toBe('04 00 00 09 06 01 70 22 f0 9f 98 80 22');
  });
  it('undefined encodes to an empty body and an empty body decodes to undefined', () => {
    expect(jsonSerializer.encode('r', undefined, Request)).toBe('');
    expect(jsonSerializer.decode('r', new Uint8Array(0), Response)).toBeUndefined();
    expect(throughWire(jsonSerializer, Response, 'r', undefined)).toBeUndefined();
    expect(jsonSerializer.decode('r', utf8Bytes('null'), Response)).toBeNull();
  });
  it('invalid JSON and invalid UTF-8 are ERR_INVALID_PAYLOAD', () => {
    expectProtocolError(() => jsonSerializer.decode('r', utf8Bytes('{"a":'), Push), 'ERR_INVALID_PAYLOAD');
    expectProtocolError(
      () => jsonSerializer.decode('r', utf8Bytes('plain text, not json'), Push),
      'ERR_INVALID_PAYLOAD',
    );
    expectProtocolError(() => jsonSerializer.decode('r', hex('22 ed a0 bd ff 22'), Push), 'ERR_INVALID_PAYLOAD');
  });
  it('CESU-8 from the old JS clients is repaired: the pair is the emoji, a lone surrogate U+FFFD', () => {
    expect(jsonSerializer.decode('r', hex('22 ed a0 bd ed b8 80 20 ed a0 bd 22'), Push)).toBe('😀 \ufffd');
  });
  it('escapeAstral: emoji as \\u escapes (7-bit bytes), the same value; BMP text and escaped lone surrogates unchanged', () => {
    const value = { text: 'hi 😀 世界 é', lone: '\ud800', k: { '𝄞': 1 } };
    const text = escapeAstral(jsonSerializer.encode('r', value, Push) as string);
    expect(text).toBe(String.raw`{"text":"hi \ud83d\ude00 世界 é","lone":"\ud800","k":{"\ud834\udd1e":1}}`);
    expect(JSON.parse(text)).toEqual(value);
    expect(escapeAstral('{"a":"plain é"}')).toBe('{"a":"plain é"}');
  });
  it('a cyclic value or a BigInt is ERR_SERIALIZE_FAILED', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expectProtocolError(() => jsonSerializer.encode('r', cyclic, Request), 'ERR_SERIALIZE_FAILED');
    expectProtocolError(() => jsonSerializer.encode('r', { n: BigInt(10) }, Request), 'ERR_SERIALIZE_FAILED');
  });
  it('createJsonSerializer: a reviver and the JS-only UTF-8 codec', () => {
    const s = createJsonSerializer({ utf8: jsUtf8, reviver: (k, v) => (k === 'at' ? new Date(v as string) : v) });
    const value = s.decode('r', utf8Bytes('{"at":"2026-01-02T03:04:05.000Z","e":"😀"}'), Push) as {
      at: Date;
      e: string;
    };
    expect(value.at).toBeInstanceOf(Date);
    expect(value.at.getUTCFullYear()).toBe(2026);
    expect(value.e).toBe('😀');
    expectProtocolError(() => s.decode('r', hex('22 c0 af 22'), Push), 'ERR_INVALID_PAYLOAD');
  });
});

const descriptor = {
  nested: {
    chat: {
      nested: {
        Position: { fields: { x: { type: 'float', id: 1 }, y: { type: 'float', id: 2 } } },
        JoinRequest: {
          fields: {
            roomId: { type: 'uint32', id: 1 },
            name: { type: 'string', id: 2 },
            pos: { type: 'Position', id: 3 },
          },
        },
        Role: { values: { PLAYER: 0, ADMIN: 1 } },
        JoinResponse: {
          fields: {
            code: { type: 'int32', id: 1 },
            uid: { type: 'uint32', id: 2 },
            members: { rule: 'repeated', type: 'string', id: 3 },
            role: { type: 'Role', id: 4 },
          },
        },
        ChatMessage: { fields: { from: { type: 'string', id: 1 }, text: { type: 'string', id: 2 } } },
      },
    },
  },
};

/** The statically generated module (CommonJS, needs only protobufjs/minimal). */
interface StaticChat {
  chat: { JoinRequest: ProtobufType; JoinResponse: ProtobufType; ChatMessage: ProtobufType };
}
const staticChat = createRequire(import.meta.url)('./fixtures/chat.pb.js') as StaticChat;

const join = { roomId: 42, name: 'alice', pos: { x: 1.5, y: -2 } };
const joined = { code: 0, uid: 7, members: ['alice', 'bob'], role: 1 };
const chatMessage = { from: 'alice', text: 'hello 😀' };

function reflectionSerializer(fallback?: Serializer): Serializer {
  const root = protobuf.Root.fromJSON(descriptor);
  return createProtobufSerializer({
    root,
    requests: { 'Room.Join': 'chat.JoinRequest', 'Room.Message': 'chat.ChatMessage' },
    responses: { 'Room.Join': 'chat.JoinResponse' },
    pushes: { onMessage: root.lookupType('chat.ChatMessage') },
    ...(fallback ? { fallback } : {}),
  });
}

function staticSerializer(): Serializer {
  return createProtobufSerializer({
    requests: { 'Room.Join': staticChat.chat.JoinRequest, 'Room.Message': staticChat.chat.ChatMessage },
    responses: { 'Room.Join': staticChat.chat.JoinResponse },
    pushes: { onMessage: staticChat.chat.ChatMessage },
  });
}

for (const [kind, make] of [
  ['Root from a JSON descriptor', () => reflectionSerializer()],
  ['static code (pbjs -t static-module)', staticSerializer],
] as const) {
  describe(`createProtobufSerializer: ${kind}`, () => {
    const s = make();
    it('requests and notifies by route, responses by the request route, pushes by route', () => {
      expect(s.name).toBe('protobuf');
      expect(throughWire(s, Request, 'Room.Join', join)).toEqual(join);
      expect(throughWire(s, Notify, 'Room.Message', chatMessage)).toEqual(chatMessage);
      expect(throughWire(s, Response, 'Room.Join', joined)).toEqual(joined);
      expect(throughWire(s, Push, 'onMessage', chatMessage)).toEqual(chatMessage);
    });
    it('the request and the response of one route use different types', () => {
      const asRequest = s.encode('Room.Join', join, Request) as Uint8Array;
      expect(s.decode('Room.Join', asRequest, Request)).toEqual(join);
      // Read as the response type (JoinResponse: field 2 is a varint, not a string) the bytes do not parse.
      expectProtocolError(() => s.decode('Room.Join', asRequest, Response), 'ERR_INVALID_PAYLOAD');
    });
    it('defaults are filled on decode; an all-default message is an empty body', () => {
      const empty = s.encode('Room.Join', {}, Response) as Uint8Array;
      expect(empty.length).toBe(0);
      expect(s.decode('Room.Join', empty, Response)).toEqual({ code: 0, uid: 0, members: [], role: 0 });
    });
    it('enum names and JSON-ish values are converted (fromObject)', () => {
      const bytes = s.encode('Room.Join', { code: 1, role: 'ADMIN' }, Response) as Uint8Array;
      expect(s.decode('Room.Join', bytes, Response)).toMatchObject({ code: 1, role: 1 });
    });
    it('a value verify() rejects that is not a JSON form of the type is ERR_SERIALIZE_FAILED, never coerced', () => {
      const refused: Array<[string, MessageType, unknown, string]> = [
        ['Room.Join', Response, { code: 'abc' }, 'code: integer expected'],
        ['Room.Join', Response, { code: 1.5 }, 'code: integer expected'],
        ['Room.Join', Response, [1, 2, 3], 'object expected'],
        ['Room.Join', Response, { members: 'alice' }, 'members: array expected'],
        ['Room.Join', Response, { members: [{ nested: true }] }, 'members: string[] expected'],
        ['Room.Join', Response, { role: 'OWNER' }, 'role: enum value expected'],
        ['Room.Join', Response, { role: 'ADMIN', uid: 'seven' }, 'uid: integer expected'],
        ['Room.Join', Request, { name: { nested: true } }, 'name: string expected'],
        ['Room.Join', Request, { pos: { x: 'far' } }, 'pos.x: number expected'],
        ['onMessage', Push, { text: true }, 'text: string expected'],
      ];
      for (const [route, type, value, text] of refused) {
        const error = expectProtocolError(() => s.encode(route, value, type), 'ERR_SERIALIZE_FAILED');
        expect(error.message).toContain(text);
      }
      // JSON forms verify() rejects still convert: an enum name, next to valid fields.
      const bytes = s.encode('Room.Join', { code: 2, members: ['a'], role: 'ADMIN' }, Response) as Uint8Array;
      expect(s.decode('Room.Join', bytes, Response)).toEqual({ code: 2, uid: 0, members: ['a'], role: 1 });
      expect(s.encode('Room.Join', undefined, Response)).toHaveLength(0);
    });
    it('unknown routes are ERR_UNKNOWN_PROTO_ROUTE both ways, per direction', () => {
      expectProtocolError(() => s.encode('Room.Leave', {}, Request), 'ERR_UNKNOWN_PROTO_ROUTE');
      expectProtocolError(() => s.decode('Room.Leave', new Uint8Array(0), Response), 'ERR_UNKNOWN_PROTO_ROUTE');
      expectProtocolError(() => s.encode('Room.Message', chatMessage, Push), 'ERR_UNKNOWN_PROTO_ROUTE');
      expectProtocolError(() => s.decode('onMessage', new Uint8Array(0), Request), 'ERR_UNKNOWN_PROTO_ROUTE');
    });
    it('bad bytes are ERR_INVALID_PAYLOAD; a value that does not fit is ERR_SERIALIZE_FAILED', () => {
      expectProtocolError(() => s.decode('onMessage', hex('0a ff'), Push), 'ERR_INVALID_PAYLOAD');
      expectProtocolError(() => s.decode('Room.Join', hex('ff ff ff'), Response), 'ERR_INVALID_PAYLOAD');
      expectProtocolError(() => s.encode('Room.Join', { pos: 5 }, Request), 'ERR_SERIALIZE_FAILED');
    });
  });
}

describe('protobuf serializer: fallback, options, byte compatibility', () => {
  it('a fallback serializer handles unmapped routes', () => {
    const s = reflectionSerializer(jsonSerializer);
    expect(s.encode('Room.Leave', { a: 1 }, Request)).toBe('{"a":1}');
    expect(s.decode('onKick', utf8Bytes('{"reason":"x"}'), Push)).toEqual({ reason: 'x' });
    expect(throughWire(s, Request, 'Room.Join', join)).toEqual(join);
  });
  it('reflection and static code write identical bytes', () => {
    const a = reflectionSerializer();
    const b = staticSerializer();
    for (const [route, value, type] of [
      ['Room.Join', join, Request],
      ['Room.Join', joined, Response],
      ['onMessage', chatMessage, Push],
    ] as const) {
      expect(toHex(a.encode(route, value, type) as Uint8Array)).toBe(toHex(b.encode(route, value, type) as Uint8Array));
    }
  });
  it('converts enum names and decimal int64 strings wherever they are, and refuses what fromObject would coerce', () => {
    const root = protobuf.Root.fromJSON({
      nested: {
        Kind: { values: { A: 0, B: 1 } },
        Item: { fields: { kind: { type: 'Kind', id: 1 }, n: { type: 'int64', id: 2 } } },
        Big: {
          fields: {
            n: { type: 'int64', id: 1 },
            ns: { rule: 'repeated', type: 'int64', id: 2 },
            kinds: { rule: 'repeated', type: 'Kind', id: 3 },
            byName: { keyType: 'string', type: 'Kind', id: 4 } as protobuf.IField,
            items: { rule: 'repeated', type: 'Item', id: 5 },
            item: { type: 'Item', id: 6 },
            blob: { type: 'bytes', id: 7 },
          },
        },
      },
    });
    const s = createProtobufSerializer({
      root,
      pushes: { big: 'Big' },
      requests: { big: 'Big' },
      toObject: { longs: String, enums: String, defaults: true, bytes: Array },
    });
    const value = {
      n: '-9007199254740993',
      ns: ['1', 2, '9223372036854775807'],
      kinds: ['B', 0, 'A'],
      byName: { x: 'B', y: 1 },
      items: [{ kind: 'B', n: '5' }, { n: 6 }, { kind: 1 }],
      item: { kind: 'A', n: '7' },
      blob: new Uint8Array([1, 2]),
    };
    const bytes = s.encode('big', value, Push) as Uint8Array;
    expect(s.decode('big', bytes, Request)).toEqual({
      n: '-9007199254740993',
      ns: ['1', '2', '9223372036854775807'],
      kinds: ['B', 'A', 'A'],
      byName: { x: 'B', y: 'B' },
      items: [
        { kind: 'B', n: '5' },
        { kind: 'A', n: '6' },
        { kind: 'B', n: '0' },
      ],
      item: { kind: 'A', n: '7' },
      blob: [1, 2],
    });
    for (const [bad, text] of [
      [{ n: 'abc' }, 'n: integer|Long expected'],
      [{ n: 1.5 }, 'n: integer|Long expected'],
      [{ n: '9223372036854775808' }, 'n: integer|Long expected'], // overflows int64
      [{ ns: ['1', 'x'] }, 'ns: integer|Long[] expected'],
      [{ kinds: ['B', 'C'] }, 'kinds: enum value[] expected'],
      [{ kinds: ['B', true] }, 'kinds: enum value[] expected'],
      [{ byName: { x: 'Z' } }, 'byName: enum value{k:string} expected'],
      [{ items: [{ kind: 'B' }, { kind: 'Q' }] }, 'items.kind: enum value expected'],
      [{ item: { kind: 'B', n: 'seven' } }, 'item.n: integer|Long expected'],
      [{ kinds: ['B'], n: { nested: true } }, 'n: integer|Long expected'],
    ] as const) {
      const error = expectProtocolError(() => s.encode('big', bad, Push), 'ERR_SERIALIZE_FAILED');
      expect(error.message).toContain(text);
    }
  });
  it('a type given by name without a root is ERR_INVALID_ARGUMENT', () => {
    expectProtocolError(
      () => createProtobufSerializer({ requests: { a: 'chat.JoinRequest' } }),
      'ERR_INVALID_ARGUMENT',
    );
  });
  it('toObject: false returns message instances; custom toObject options apply', () => {
    const raw = createProtobufSerializer({ responses: { r: staticChat.chat.JoinResponse }, toObject: false });
    const bytes = raw.encode('r', joined, Response) as Uint8Array;
    expect(raw.decode('r', bytes, Response)).toBeInstanceOf(
      staticChat.chat.JoinResponse as unknown as new () => unknown,
    );
    const named = createProtobufSerializer({
      responses: { r: staticChat.chat.JoinResponse },
      toObject: { enums: String },
    });
    expect(named.decode('r', bytes, Response)).toMatchObject({ role: 'ADMIN' });
  });
});

/** Runs `fn` with `Function` and `eval` replaced by throwing stubs; returns its result or its error. */
function withoutCodegen(fn: () => unknown): { value?: unknown; error?: unknown; attempts: number } {
  const g = globalThis as unknown as { Function: unknown; eval: unknown };
  const originalFunction = g.Function;
  const originalEval = g.eval;
  let attempts = 0;
  const stub = function forbidden() {
    attempts++;
    throw new EvalError('code generation from strings is forbidden here');
  };
  stub.prototype = (originalFunction as { prototype: unknown }).prototype; // keep instanceof Function working
  g.Function = stub;
  g.eval = stub;
  try {
    return { value: fn(), attempts };
  } catch (error) {
    return { error, attempts };
  } finally {
    g.Function = originalFunction;
    g.eval = originalEval;
  }
}

describe('no eval / new Function (mini-game runtimes)', () => {
  it('the stubs catch code generation: a fresh reflection type cannot encode under them', () => {
    const fresh = protobuf.Root.fromJSON(descriptor).lookupType('chat.ChatMessage');
    const r = withoutCodegen(() => fresh.encode(fresh.fromObject(chatMessage)).finish());
    expect(r.error).toBeInstanceOf(EvalError);
    expect(r.attempts).toBeGreaterThan(0);
  });
  it('static code encodes and decodes requests, responses and pushes through the codec with no code generation', () => {
    const s = staticSerializer(); // created outside: only the use must be codegen-free
    const r = withoutCodegen(() => [
      throughWire(s, Request, 'Room.Join', join),
      throughWire(s, Notify, 'Room.Message', chatMessage),
      throughWire(s, Response, 'Room.Join', joined),
      throughWire(s, Push, 'onMessage', chatMessage),
      decodeUtf8(utf8Bytes('😀'.repeat(40))),
    ]);
    expect(r.error).toBeUndefined();
    expect(r.attempts).toBe(0);
    expect(r.value).toEqual([join, chatMessage, joined, chatMessage, '😀'.repeat(40)]);
  });
  it('the serializer can also be created under the stubs', () => {
    const r = withoutCodegen(() =>
      staticSerializer().decode(
        'onMessage',
        staticSerializer().encode('onMessage', chatMessage, Push) as Uint8Array,
        Push,
      ),
    );
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual(chatMessage);
  });
});
