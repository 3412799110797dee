/**
 * The lossless JSON serializer: integers beyond 2^53 (nano's snowflake ids near 2.1·10^18) decode exactly, as bigint
 * or decimal strings, and encode back as JSON numbers; everything else is what JSON.parse / JSON.stringify give.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createLosslessJsonSerializer,
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  MessageType,
  parseLosslessJson,
  stringifyLosslessJson,
} from '../src/index.js';
import { expectProtocolError, hex, utf8Bytes } from './helpers.js';

const { Push, Request } = MessageType;
const SNOWFLAKE = '2100000000000000001'; // rounds to 2100000000000000000 through JSON.parse

describe('createLosslessJsonSerializer', () => {
  it('decodes a snowflake id that JSON.parse rounds, as a bigint by default and as digits with bigInts: string', () => {
    const text = `{"uid":${SNOWFLAKE},"id":-${SNOWFLAKE},"n":42,"x":1.5}`;
    expect(String(JSON.parse(text).uid)).not.toBe(SNOWFLAKE); // the bug this serializer exists for
    const big = createLosslessJsonSerializer();
    expect(big.decode('onMove', utf8Bytes(text), Push)).toEqual({
      uid: BigInt(SNOWFLAKE),
      id: -BigInt(SNOWFLAKE),
      n: 42,
      x: 1.5,
    });
    const str = createLosslessJsonSerializer({ bigInts: 'string' });
    expect(str.decode('onMove', utf8Bytes(text), Push)).toEqual({ uid: SNOWFLAKE, id: `-${SNOWFLAKE}`, n: 42, x: 1.5 });
  });

  it('keeps the integers at the edge of the safe range as numbers and the first unsafe ones exact', () => {
    const s = createLosslessJsonSerializer({ bigInts: 'string' });
    const body = utf8Bytes('[9007199254740991,-9007199254740991,9007199254740992,9007199254740993,-9007199254740993]');
    expect(s.decode('r', body, Push)).toEqual([
      9007199254740991,
      -9007199254740991,
      '9007199254740992',
      '9007199254740993',
      '-9007199254740993',
    ]);
  });

  it('writes bigints back as JSON numbers through the wire, byte for byte the digits that came in', () => {
    const s = createLosslessJsonSerializer();
    const value = { uid: BigInt(SNOWFLAKE), list: [BigInt(-5), 1, 'a'], nested: { id: BigInt(SNOWFLAKE) } };
    const text = s.encode('Room.Join', value, Request);
    expect(text).toBe(`{"uid":${SNOWFLAKE},"list":[-5,1,"a"],"nested":{"id":${SNOWFLAKE}}}`);
    const packet = encodeDataPacket({ type: Request, id: 1, route: 'Room.Join', body: text });
    const [p] = decodePackets(packet);
    const m = decodeMessage(p?.body ?? new Uint8Array());
    expect(s.decode(m.route, m.body, Request)).toEqual({ ...value, list: [-5, 1, 'a'] });
  });

  it('encodes like JSON.stringify where no bigint is involved: toJSON, undefined, functions, NaN, boxed values', () => {
    const s = createLosslessJsonSerializer();
    const date = new Date(0);
    const tricky = {
      a: undefined,
      f: () => 1,
      n: Number.NaN,
      i: -0,
      d: date,
      arr: [undefined, () => 1, Number.POSITIVE_INFINITY],
      // A computed key: an own property, which JSON.stringify writes (a literal `__proto__:` would set the prototype).
      ['__proto__']: 1,
      // biome-ignore lint/suspicious/noExplicitAny: boxed primitives, which JSON.stringify unwraps
      boxed: [new (Number as any)(3), new (String as any)('s'), new (Boolean as any)(false)],
      big: BigInt(1),
    };
    const expected = JSON.stringify({ ...tricky, big: 0 }).replace('"big":0', '"big":1');
    expect(s.encode('r', tricky, Request)).toBe(expected);
    expect(s.encode('r', undefined, Request)).toBe('');
    expect(stringifyLosslessJson({ toJSON: () => BigInt(7) })).toBe('7');
  });

  it('a cyclic value with a bigint is ERR_SERIALIZE_FAILED, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = { id: BigInt(1) };
    cyclic['self'] = cyclic;
    expectProtocolError(() => createLosslessJsonSerializer().encode('r', cyclic, Request), 'ERR_SERIALIZE_FAILED');
  });

  it('garbage is ERR_INVALID_PAYLOAD on the lossless path too (never {} or null); an empty body is undefined', () => {
    const s = createLosslessJsonSerializer();
    const long = '1234567890123456789';
    for (const text of [
      `{"a":${long}`,
      `{"a":${long},}`,
      `[${long},]`,
      `[${long}] x`,
      `{"a" ${long}}`,
      `{${long}:1}`,
      `[0${long}]`,
      `[-${long}.]`,
      `[${long}e]`,
      `["\\x${long}"]`,
      `["${long}\n"]`,
      `[tru, ${long}]`,
      `"${long}`,
      `[+${long}]`,
      `[.5, ${long}]`,
      `["\\u12g4", ${long}]`,
    ]) {
      expect(() => JSON.parse(text), text).toThrow(SyntaxError);
      expect(() => parseLosslessJson(text), text).toThrow(SyntaxError);
      expectProtocolError(() => s.decode('r', utf8Bytes(text), Push), 'ERR_INVALID_PAYLOAD');
    }
    expectProtocolError(
      () => s.decode('r', hex('5b 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 36 37 ff 5d'), Push),
      'ERR_INVALID_PAYLOAD',
    );
    expectProtocolError(() => s.decode('r', 'x' as unknown as Uint8Array, Push), 'ERR_INVALID_ARGUMENT');
    expect(s.decode('r', new Uint8Array(0), Push)).toBeUndefined();
  });

  it('parses deep nesting without overflowing the call stack', () => {
    const depth = 200_000;
    const text = `${'['.repeat(depth)}${SNOWFLAKE}${']'.repeat(depth)}`;
    let value = parseLosslessJson(text, 'string');
    for (let i = 0; i < depth; i++) value = (value as unknown[])[0];
    expect(value).toBe(SNOWFLAKE);
  });

  it('__proto__ and duplicate keys behave as in JSON.parse', () => {
    const text = `{"__proto__":{"x":1},"a":1,"a":${SNOWFLAKE}}`;
    const value = parseLosslessJson(text, 'string') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(value['a']).toBe(SNOWFLAKE);
  });
});

/** Integers of any size, with the sign, as JSON writes them. */
const bigIntArb = fc.bigInt({ min: -(BigInt(2) ** BigInt(80)), max: BigInt(2) ** BigInt(80) });
const UNSAFE = BigInt(Number.MAX_SAFE_INTEGER);
const isUnsafe = (b: bigint) => b > UNSAFE || b < -UNSAFE;

/** JSON values with big integers in them (as bigint), and also fractions and exponents that must stay numbers. */
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    bigIntArb,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom(true, false, null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** What decoding `value`'s JSON gives: unsafe bigints stay (or become digits), safe ones are numbers. */
function expected(value: unknown, mode: 'bigint' | 'string'): unknown {
  if (typeof value === 'bigint') return isUnsafe(value) ? (mode === 'bigint' ? value : String(value)) : Number(value);
  if (typeof value === 'number') {
    // A double past 2^53 that JSON writes without an exponent (9007199254740992) is an integer in the text.
    const text = String(value);
    if (/^-?\d+$/.test(text) && !Number.isSafeInteger(value)) return mode === 'bigint' ? BigInt(text) : text;
    return Object.is(value, -0) ? 0 : value;
  }
  if (Array.isArray(value)) return value.map((v) => expected(v, mode));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      Object.defineProperty(out, k, {
        value: expected((value as Record<string, unknown>)[k], mode),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

describe('lossless JSON properties (fast-check)', () => {
  it('encode → decode keeps every integer exact, in both modes, and numbers with a fraction or exponent stay numbers', () => {
    fc.assert(
      fc.property(valueArb, fc.constantFrom('bigint', 'string') as fc.Arbitrary<'bigint' | 'string'>, (value, mode) => {
        const s = createLosslessJsonSerializer({ bigInts: mode });
        const text = s.encode('r', value, Request) as string;
        expect(s.decode('r', utf8Bytes(text), Push)).toEqual(expected(value, mode));
        // And the text is what JSON.stringify writes, with each bigint as its digits.
        const marked = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `\u0001${v}\u0001` : v));
        expect(text).toBe(marked.replace(/"\\u0001(-?\d+)\\u0001"/g, '$1'));
      }),
      { numRuns: 500 },
    );
  });

  it('digits of an unsafe integer come back exactly as written, negative or positive', () => {
    fc.assert(
      fc.property(bigIntArb.filter(isUnsafe), (b) => {
        const text = `{"id":${b}}`;
        expect(parseLosslessJson(text, 'string')).toEqual({ id: String(b) });
        expect(parseLosslessJson(text)).toEqual({ id: b });
        expect(stringifyLosslessJson(parseLosslessJson(text))).toBe(text);
      }),
    );
  });

  it('any JSON text without unsafe integers parses exactly as JSON.parse does, also through the slow path', () => {
    const longDigits = fc.stringMatching(/^-?[1-9][0-9]{15,30}(\.[0-9]{1,5})?([eE][+-]?[0-9]{1,3})?$/);
    fc.assert(
      fc.property(fc.json(), longDigits, (json, num) => {
        fc.pre(!/\d{16}/.test(json)); // fc.json() may hold 2^53 itself
        // A 16+ digit run inside a string forces the strict parser, which must still agree with JSON.parse.
        const text = `[${json},"${num}",${/[.eE]/.test(num) ? num : 0}]`;
        expect(parseLosslessJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('fractional and exponent numbers with 16+ digits stay numbers (JSON.parse value)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?$/), (num) => {
        fc.pre(/[.eE]/.test(num));
        expect(parseLosslessJson(`[${num}]`)).toEqual([JSON.parse(num)]);
      }),
    );
  });

  it('random text: the lossless parser throws exactly where JSON.parse throws, and agrees where it does not', () => {
    const alphabet = fc.constantFrom(...'{}[]",:-+.eE0123456789 \\tnulrfasx'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => {
        const prefix = chars.join('');
        fc.pre(!/\d{16}/.test(prefix)); // every integer in the text is then safe, so the values must be equal
        const text = `${prefix} 1234567890123456`;
        let want: unknown;
        let threw = false;
        try {
          want = JSON.parse(text);
        } catch {
          threw = true;
        }
        if (threw) expect(() => parseLosslessJson(text, 'string')).toThrow(SyntaxError);
        else expect(parseLosslessJson(text, 'string')).toEqual(want);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the fast path', () => {
  it('takes the strict parser exactly when the text has a run of 16+ digits, wherever it sits', () => {
    // JSON.parse would round the 17-digit value; the strict parser keeps it. So exactness proves which path ran.
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
        fc.nat({ max: 64 }),
        fc.integer({ min: 15, max: 18 }),
        (pad, shift, len) => {
          const digits = `9${'7'.repeat(len - 1)}`;
          const text = JSON.stringify([pad.replace(/\d/g, 'x') + ' '.repeat(shift), 0]).replace('0]', `${digits}]`);
          const value = parseLosslessJson(text, 'string') as unknown[];
          expect(value[1]).toBe(len >= 16 ? digits : Number(digits));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
