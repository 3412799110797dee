/**
 * MessageReader: the same messages and errors as decodeMessage, whatever came before; an ASCII route that comes again
 * is not decoded again.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  FLAG_ROUTE_COMPRESSED,
  type Message,
  MessageReader,
  MessageType,
  RouteDictionary,
} from '../src/index.js';
import * as utf8 from '../src/utf8.js';
import { expectProtocolError } from './helpers.js';

// Counts the route decodes, to see which routes are read from the bytes and which are remembered.
vi.mock('../src/utf8.js', async (original) => {
  const actual = await original<typeof import('../src/utf8.js')>();
  return { ...actual, decodeUtf8Range: vi.fn(actual.decodeUtf8Range) };
});

/** What decodeMessage gives for `bytes`: the message, or the code of its error. */
function outcome(decode: () => Message): Message | string {
  try {
    return decode();
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return `${code}: ${message}`;
  }
}

const push = (route: string, body = '{}') => encodeMessage({ type: MessageType.Push, route, body });

describe('MessageReader', () => {
  it('gives what decodeMessage gives, message by message, over any sequence of routes and bytes', () => {
    const dictionary = new RouteDictionary({ 'Room.Join': 1, onMessage: 2 });
    const route = fc.constantFrom(
      'onMessage',
      'onMove',
      'onMovf',
      'onMov',
      '',
      'chat.房间',
      '😀',
      'é',
      'Room.Join',
      'a',
      // Over 32 bytes: decoded by TextDecoder, not by the short-route code.
      'area.zone.instance.room.player.move',
      'area.zone.instance.room.player.movf',
    );
    const message = fc.oneof(
      fc.record({ type: fc.constantFrom(MessageType.Push, MessageType.Notify), route, body: fc.string() }),
      fc.record({ type: fc.constant(MessageType.Request), id: fc.nat(), route, body: fc.string() }),
      fc.record({ type: fc.constant(MessageType.Response), id: fc.nat(), body: fc.string() }),
    );
    // Encoded messages, some compressed, and some raw byte strings (bad UTF-8, truncations, garbage).
    const bytes = fc.oneof(
      fc
        .tuple(message, fc.boolean())
        .map(([msg, compress]) => encodeMessage(msg, compress ? { dictionary } : undefined)),
      fc.uint8Array({ maxLength: 24 }),
      fc.uint8Array({ minLength: 3, maxLength: 40 }).map((b) => {
        // A push whose route is these bytes (often not UTF-8), as long as they are.
        const out = new Uint8Array(b.length + 2);
        out[0] = MessageType.Push << 1;
        out[1] = b.length;
        out.set(b, 2);
        return out;
      }),
    );
    // Views at an offset into a larger buffer, as a packet's body is.
    const view = fc.tuple(bytes, fc.nat({ max: 7 })).map(([b, offset]) => {
      const buffer = new Uint8Array(offset + b.length + 3).fill(0x61);
      buffer.set(b, offset);
      return buffer.subarray(offset, offset + b.length);
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(view, fc.boolean()), { maxLength: 30 }), (items) => {
        const reader = new MessageReader();
        for (const [b, withDictionary] of items) {
          reader.dictionary = withDictionary ? dictionary : undefined;
          const options = withDictionary ? { dictionary } : {};
          expect(outcome(() => reader.decode(b))).toEqual(outcome(() => decodeMessage(b, options)));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a route that comes again is not decoded again, even with others in between; one that is not ASCII is', () => {
    const reader = new MessageReader();
    const decodes = vi.mocked(utf8.decodeUtf8Range);
    const route = (r: string, body?: string) => {
      decodes.mockClear();
      const msg = reader.decode(push(r, body));
      expect(msg.route).toBe(r);
      return decodes.mock.calls.length;
    };
    expect(route('onMessage')).toBe(1);
    expect(route('onMessage', '{"a":1}')).toBe(0);
    expect(route('onMessagf')).toBe(1);
    // Interleaved routes each keep their own.
    for (let i = 0; i < 3; i++) {
      expect(route('onMessage')).toBe(0);
      expect(route('onMessagf')).toBe(0);
    }
    for (const r of ['onMove', 'onChat', 'onJoin', 'onLeft']) expect(route(r)).toBe(1);
    for (const r of ['onMove', 'onChat', 'onJoin', 'onLeft', 'onMessage']) expect(route(r)).toBe(0);
    expect(route('chat.房间')).toBe(1);
    expect(route('chat.房间')).toBe(1);
    expect(route('')).toBe(0);
    expect(route('x')).toBe(1);
    // decodeMessage remembers nothing.
    decodes.mockClear();
    decodeMessage(push('x'));
    decodeMessage(push('x'));
    expect(decodes.mock.calls.length).toBe(2);
  });

  it('compressed routes use the dictionary in force; errors are decodeMessage errors', () => {
    const reader = new MessageReader({ dictionary: new RouteDictionary({ onMessage: 2 }) });
    const compressed = new Uint8Array([(MessageType.Push << 1) | FLAG_ROUTE_COMPRESSED, 0, 2]);
    expect(reader.decode(compressed).route).toBe('onMessage');
    reader.dictionary = new RouteDictionary({ onMove: 2 });
    expect(reader.decode(compressed).route).toBe('onMove');
    reader.dictionary = undefined;
    expectProtocolError(() => reader.decode(compressed), 'ERR_UNKNOWN_ROUTE_CODE');
    // 'é' is one character, two bytes (c3 a9); the byte e9 alone, its character code, is not UTF-8.
    expect(reader.decode(push('é')).route).toBe('é');
    expectProtocolError(() => reader.decode(new Uint8Array([MessageType.Push << 1, 1, 0xe9])), 'ERR_INVALID_UTF8');
    // '½' (c2 bd) and the lone byte bd pick the same slot: a non-ASCII route is never remembered.
    expect(reader.decode(push('½')).route).toBe('½');
    expectProtocolError(() => reader.decode(new Uint8Array([MessageType.Push << 1, 1, 0xbd])), 'ERR_INVALID_UTF8');
    reader.decode(push('ab'));
    // The remembered route's length, but not UTF-8: still an error.
    expectProtocolError(
      () => reader.decode(new Uint8Array([MessageType.Push << 1, 2, 0xc3, 0x28])),
      'ERR_INVALID_UTF8',
    );
    expectProtocolError(() => reader.decode(new Uint8Array([MessageType.Push << 1, 3, 0x61])), 'ERR_ROUTE_OVERRUN');
    expectProtocolError(() => reader.decode('x' as unknown as Uint8Array), 'ERR_INVALID_ARGUMENT');
    expect(reader.decode(push('ab')).route).toBe('ab');
  });
});
