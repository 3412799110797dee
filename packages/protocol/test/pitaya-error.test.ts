/**
 * pitaya's protobuf error bodies: the hand-written decoder against real protobufjs encodings of pitaya's
 * `protos.Error` (the message as declared in pitaya's protos/pitaya.proto), and the protobuf serializer's
 * `decodeError`, which also reads JSON error bodies (server-lite sends JSON whatever the serializer).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePitayaError } from '../src/pitaya-error.js';
import { createProtobufSerializer } from '../src/protobuf.js';
import {
  encodePitayaError as encode,
  PitayaErrorType as PitayaError,
  PitayaErrorV2Type as PitayaErrorV2,
} from './fixtures/pitaya-error.js';
import { expectProtocolError, hex, utf8Bytes } from './helpers.js';

describe('decodePitayaError', () => {
  it('reads what protobufjs writes for pitaya protos.Error, metadata and non-ASCII text included', () => {
    const value = {
      code: 'PIT-404',
      msg: 'route room.join not found 😀 世界',
      metadata: { node: 'connector-1', '': 'x' },
    };
    expect(decodePitayaError(encode(value))).toEqual(value);
  });

  it('fills proto3 defaults: an empty body is an error with empty fields', () => {
    expect(decodePitayaError(new Uint8Array(0))).toEqual({ code: '', msg: '', metadata: {} });
    expect(decodePitayaError(encode({ code: 'PIT-500' }))).toEqual({ code: 'PIT-500', msg: '', metadata: {} });
  });

  it('skips fields it does not know, of every wire type', () => {
    const bytes = PitayaErrorV2.encode(
      PitayaErrorV2.fromObject({
        code: 'E1',
        msg: 'm',
        metadata: { a: '1' },
        retry: 300,
        at: 2,
        weight: 1.5,
        detail: new Uint8Array([1, 2, 3]),
      }),
    ).finish();
    expect(decodePitayaError(bytes)).toEqual({ code: 'E1', msg: 'm', metadata: { a: '1' } });
  });

  it('keeps a metadata key named __proto__ as an ordinary key', () => {
    const decoded = decodePitayaError(encode({ metadata: { ['__proto__']: 'p', b: '2' } }));
    expect(Object.getPrototypeOf(decoded.metadata)).toBe(Object.prototype);
    expect(Object.keys(decoded.metadata).sort()).toEqual(['__proto__', 'b']);
    expect(Object.getOwnPropertyDescriptor(decoded.metadata, '__proto__')?.value).toBe('p');
  });

  it('bad bytes are ERR_INVALID_PAYLOAD, with the reason as the cause', () => {
    const whole = encode({ code: 'PIT-404', msg: 'not found' });
    for (let cut = 1; cut < whole.length; cut++) {
      // Every strict prefix ends inside a field: a tag without its length, or a string cut short.
      if (cut === 9) continue; // `0a 07 PIT-404` is a whole first field: a valid message on its own
      expectProtocolError(() => decodePitayaError(whole.subarray(0, cut)), 'ERR_INVALID_PAYLOAD');
    }
    expectProtocolError(() => decodePitayaError(hex('0b')), 'ERR_INVALID_PAYLOAD'); // field 1 as a group
    expectProtocolError(() => decodePitayaError(hex('0f')), 'ERR_INVALID_PAYLOAD'); // wire type 7
    expectProtocolError(() => decodePitayaError(hex('02 00')), 'ERR_INVALID_PAYLOAD'); // field number 0
    const bad = expectProtocolError(() => decodePitayaError(hex('0a 02 c3 28')), 'ERR_INVALID_PAYLOAD');
    expect((bad.cause as { code?: string }).code).toBe('ERR_INVALID_UTF8');
  });

  it('agrees with protobufjs on random errors (fast-check)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(
        fc.record({ code: text, msg: text, metadata: fc.dictionary(text, text, { maxKeys: 4 }) }),
        (value) => {
          const decoded = decodePitayaError(encode(value));
          const expected = PitayaError.toObject(PitayaError.decode(encode(value)), { defaults: true });
          expect(decoded).toEqual({ ...expected, metadata: { ...expected.metadata } });
        },
      ),
      { numRuns: 300, seed: 20261124 },
    );
  });
});

describe('protobuf serializer: decodeError', () => {
  const serializer = createProtobufSerializer({});

  it('reads pitaya protobuf error bodies', () => {
    expect(serializer.decodeError?.('Room.Join', encode({ code: 'PIT-500', msg: 'boom' }))).toEqual({
      code: 'PIT-500',
      msg: 'boom',
      metadata: {},
    });
  });

  it('reads JSON error bodies (server-lite writes them whatever the serializer)', () => {
    expect(serializer.decodeError?.('Room.Join', utf8Bytes('{"code":"PIT-404","msg":"no route"}'))).toEqual({
      code: 'PIT-404',
      msg: 'no route',
    });
    expectProtocolError(() => serializer.decodeError?.('Room.Join', utf8Bytes('{"code":')), 'ERR_INVALID_PAYLOAD');
  });
});
