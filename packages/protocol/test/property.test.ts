/**
 * Property tests (fast-check) and a random-bytes fuzz in the style of mqtt-packet's testRandom.js: arbitrary
 * messages round-trip; arbitrary bytes give packets / messages or a ProtocolError and nothing else; the built-in
 * UTF-8 codec agrees with the platform's TextEncoder / TextDecoder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodePackets,
  decodeUtf8,
  encodeDataPacket,
  encodeMessage,
  encodePacket,
  isNanoError,
  jsUtf8,
  MAX_MESSAGE_ID,
  type Message,
  type MessageInit,
  type MessageType,
  PacketReader,
  PacketType,
  PacketWriter,
  ProtocolError,
  RouteDictionary,
  scanPackets,
  throwPacketError,
  utf8,
  utf8Length,
} from '../src/index.js';
import { concat, toHex } from './helpers.js';
import { prng } from './spec-vectors.js';

const te = new TextEncoder();

/** A route of valid Unicode (astral characters included) that fits in 255 UTF-8 bytes. */
const routeArb = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 255 }),
    fc.constantFrom('', 'Room.Join', 'onMessage', '😀.x', 'é.x', '房间.加入'),
  )
  .filter((r) => te.encode(r).length <= 255);

const idArb = fc.oneof(
  fc.constantFrom(0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, MAX_MESSAGE_ID),
  fc.nat(),
  fc.maxSafeNat(),
);

const bodyArb = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.json({ maxDepth: 2 }),
);

const messageArb = fc.record({
  type: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<MessageType>,
  id: idArb,
  route: routeArb,
  body: bodyArb,
  gzip: fc.boolean(),
  error: fc.boolean(),
  /** -1: no dictionary; else the route's code in a dictionary that also holds unrelated routes. */
  code: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 0xffff })),
});

describe('arbitrary messages round-trip (fast-check)', () => {
  it('decode(encode(m)) gives m back; plain, packet and PacketWriter encodings agree', () => {
    const writer = new PacketWriter({ slabSize: 1024 });
    fc.assert(
      fc.property(messageArb, (m) => {
        const dictionary =
          m.code < 0
            ? undefined
            : new RouteDictionary([[m.route, m.code], ...(m.code === 7 ? [] : ([['zz.other', 7]] as const))]);
        const init: MessageInit = {
          type: m.type,
          id: m.id,
          route: m.route,
          body: m.body,
          gzip: m.gzip,
          error: m.error,
        };
        const bytes = encodeMessage(init, { dictionary });
        const decoded = decodeMessage(bytes, { dictionary });
        const hasId = m.type === 0 || m.type === 2;
        const hasRoute = m.type !== 2;
        const expected: Message = {
          type: m.type,
          id: hasId ? m.id : 0,
          route: hasRoute ? m.route : '',
          body: typeof m.body === 'string' ? te.encode(m.body) : m.body,
          compressed: hasRoute && dictionary !== undefined,
          routeCode: hasRoute && dictionary !== undefined ? m.code : -1,
          gzip: m.gzip,
          error: m.error,
        };
        expect({ ...decoded, body: toHex(decoded.body) }).toEqual({ ...expected, body: toHex(expected.body) });
        const packet = encodeDataPacket(init, { dictionary });
        expect(toHex(packet)).toBe(toHex(encodePacket(PacketType.Data, bytes)));
        writer.dictionary = dictionary;
        expect(toHex(writer.encodeDataPacket(init))).toBe(toHex(packet));
        expect(toHex(writer.encodeMessage(init))).toBe(toHex(bytes));
      }),
      { numRuns: 1500 },
    );
  });
  it('several packets in one frame decode back in order', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 6 }), (ms) => {
        const packets = ms.map((m) => encodeDataPacket({ type: m.type, id: m.id, route: m.route, body: m.body }));
        const decoded = decodePackets(concat(...packets));
        expect(decoded.map((p) => toHex(encodePacket(p.type, p.body)))).toEqual(packets.map(toHex));
      }),
      { numRuns: 300 },
    );
  });
});

/** What a decoder may return: well-formed packets. */
function checkPackets(packets: readonly { type: number; body: Uint8Array }[], limit: number): void {
  for (const p of packets) {
    if (!(p.type >= 1 && p.type <= 5) || !(p.body instanceof Uint8Array) || p.body.length > limit) {
      throw new Error(`malformed packet ${JSON.stringify(p)}`);
    }
  }
}

/** What decodeMessage may return: a complete, well-typed message. */
function checkMessage(m: Message): void {
  const ok =
    m.type >= 0 &&
    m.type <= 3 &&
    Number.isSafeInteger(m.id) &&
    m.id >= 0 &&
    typeof m.route === 'string' &&
    m.body instanceof Uint8Array &&
    typeof m.compressed === 'boolean' &&
    Number.isInteger(m.routeCode) &&
    typeof m.gzip === 'boolean' &&
    typeof m.error === 'boolean';
  if (!ok) throw new Error(`malformed message ${JSON.stringify(m)}`);
}

/** Runs `fn`; counts a result or a ProtocolError; anything else fails the test. */
function outcome(fn: () => void, tally: { ok: number; errors: number }): void {
  try {
    fn();
    tally.ok++;
  } catch (error) {
    if (!(error instanceof ProtocolError) || !isNanoError(error) || !/^ERR_/.test(error.code)) throw error;
    tally.errors++;
  }
}

const fuzzDict = new RouteDictionary({ 'Room.Join': 1, onMessage: 2, a: 0, z: 0xffff });

/** Random bytes; `planted` makes them look like a plausible message most of the time. */
function randomMessageBytes(random: () => number): Uint8Array {
  const n = Math.floor(random() * (random() < 0.8 ? 12 : 80));
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = Math.floor(random() * 256);
  if (n > 0 && random() < 0.8) {
    // Plant a valid type (0–3), sometimes the compressed bit, sometimes high flag bits.
    bytes[0] = (Math.floor(random() * 4) << 1) | (random() < 0.3 ? 1 : 0) | (random() < 0.1 ? 0x30 : 0);
    if (n > 1 && random() < 0.5) bytes[1] = Math.floor(random() * 128); // a 1-byte varint / short route length
    if (n > 2 && random() < 0.5) bytes[2] = Math.floor(random() * n);
  }
  return bytes;
}

/** Random frames; most start with (and often consist of) valid packet headers with consistent lengths. */
function randomFrame(random: () => number): Uint8Array {
  if (random() < 0.2) {
    const raw = new Uint8Array(Math.floor(random() * 40));
    for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(random() * 256);
    return raw;
  }
  const parts: Uint8Array[] = [];
  const count = 1 + Math.floor(random() * 4);
  for (let k = 0; k < count; k++) {
    const body = random() < 0.6 ? randomMessageBytes(random) : new Uint8Array(Math.floor(random() * 6));
    const type = random() < 0.85 ? 1 + Math.floor(random() * 5) : Math.floor(random() * 256);
    let length = body.length;
    if (random() < 0.15) length = Math.floor(random() * 0x1000000); // inconsistent / oversized
    parts.push(new Uint8Array([type, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]), body);
  }
  const frame = concat(...parts);
  return random() < 0.1 ? frame.subarray(0, Math.floor(random() * frame.length)) : frame;
}

describe('random bytes give packets, messages or a ProtocolError, nothing else (100 000+ cases)', () => {
  it('decodePackets: 40 000 frames', () => {
    const random = prng(0xc0ffee);
    const tally = { ok: 0, errors: 0 };
    for (let i = 0; i < 40_000; i++) {
      const frame = randomFrame(random);
      const limit = random() < 0.5 ? 65536 : 16;
      outcome(() => checkPackets(decodePackets(frame, { maxBodyLength: limit }), limit), tally);
    }
    expect(tally.ok + tally.errors).toBe(40_000);
    expect(tally.ok).toBeGreaterThan(4_000);
    expect(tally.errors).toBeGreaterThan(4_000);
  });
  it('decodePackets gives what the general scan gives, one-packet fast path included: 40 000 frames', () => {
    // The reference: every packet through scanPackets, then the error for what it left (what decodePackets did
    // before it took a frame of exactly one packet without a sink).
    const general = (frame: Uint8Array, limit: number) => {
      const packets: { type: number; body: Uint8Array }[] = [];
      const end = scanPackets(frame, 0, limit, { onPacket: (type, body) => packets.push({ type, body }) });
      if (end !== frame.length) throwPacketError(frame, end, limit);
      return packets;
    };
    const result = (decode: () => { type: number; body: Uint8Array }[]) => {
      try {
        return decode().map((p) => `${p.type}:${toHex(p.body)}`);
      } catch (error) {
        return `${(error as ProtocolError).code}: ${(error as Error).message}`;
      }
    };
    const random = prng(0xd1ff);
    let single = 0;
    for (let i = 0; i < 40_000; i++) {
      const frame = randomFrame(random);
      const limit = random() < 0.5 ? 65536 : 16;
      const ours = result(() => decodePackets(frame, { maxBodyLength: limit }));
      expect(ours).toEqual(result(() => general(frame, limit)));
      if (Array.isArray(ours) && ours.length === 1) single++;
    }
    expect(single).toBeGreaterThan(4_000);
  });
  it('PacketReader: 30 000 streams in random chunks', () => {
    const random = prng(0xbeef);
    const tally = { ok: 0, errors: 0 };
    for (let i = 0; i < 30_000; i++) {
      const frame = randomFrame(random);
      const reader = new PacketReader({ maxBodyLength: random() < 0.5 ? 65536 : 16 });
      outcome(() => {
        for (let at = 0; at < frame.length; ) {
          const n = 1 + Math.floor(random() * 9);
          checkPackets(reader.push(frame.subarray(at, at + n)), reader.maxBodyLength);
          at += n;
        }
      }, tally);
    }
    expect(tally.ok + tally.errors).toBe(30_000);
    expect(tally.ok).toBeGreaterThan(3_000);
    expect(tally.errors).toBeGreaterThan(3_000);
  });
  it('decodeMessage: 40 000 bodies, with and without a dictionary', () => {
    const random = prng(0xfeed);
    const tally = { ok: 0, errors: 0 };
    for (let i = 0; i < 40_000; i++) {
      const bytes = randomMessageBytes(random);
      const dictionary = random() < 0.5 ? fuzzDict : undefined;
      outcome(() => checkMessage(decodeMessage(bytes, { dictionary })), tally);
    }
    expect(tally.ok + tally.errors).toBe(40_000);
    expect(tally.ok).toBeGreaterThan(4_000);
    expect(tally.errors).toBeGreaterThan(4_000);
  });
  it('fast-check: arbitrary bytes through all three decoders (shrinks on failure)', () => {
    const tally = { ok: 0, errors: 0 };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), (bytes, split) => {
        outcome(() => checkPackets(decodePackets(bytes), 65536), tally);
        outcome(() => checkMessage(decodeMessage(bytes, { dictionary: fuzzDict })), tally);
        const reader = new PacketReader({ maxBodyLength: 32 });
        outcome(() => {
          checkPackets(reader.push(bytes.subarray(0, split)), 32);
          checkPackets(reader.push(bytes.subarray(split)), 32);
        }, tally);
      }),
      { numRuns: 3000 },
    );
    expect(tally.ok + tally.errors).toBe(9000);
  });
});

/** Strings of arbitrary UTF-16 code units: lone surrogates included. */
const utf16Arb = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
);

/** Bytes that are mostly valid UTF-8, with a random corruption now and then. */
/** UTF-16 units written one by one as the old JS clients' `strencode` does (CESU-8: a surrogate as 3 bytes). */
function cesu8(units: number[]): Uint8Array {
  return Uint8Array.from(
    units.flatMap((c) =>
      c < 0x80
        ? [c]
        : c < 0x800
          ? [0xc0 | (c >> 6), 0x80 | (c & 0x3f)]
          : [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)],
    ),
  );
}

const utf8ishArb = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc
    .array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), { maxLength: 30 })
    .map(cesu8),
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([s, at, b]) => {
      const bytes = te.encode(s);
      bytes[at % bytes.length] = b;
      return bytes;
    }),
  fc.constantFrom(
    new Uint8Array([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]), // CESU-8 U+1F600
    new Uint8Array([0xc0, 0x80]), // overlong NUL
    new Uint8Array([0xe0, 0x80, 0x80]), // overlong
    new Uint8Array([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
    new Uint8Array([0xf0, 0x9f, 0x98]), // truncated
    new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), // BOM is kept
  ),
);

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The decoded string, or 'ERR' when the decoder refuses the bytes (with a ProtocolError for ours). */
function decodeOrErr(decode: () => string, ours: boolean): string {
  try {
    return decode();
  } catch (error) {
    if (ours && !(error instanceof ProtocolError && error.code === 'ERR_INVALID_UTF8')) throw error;
    return 'ERR';
  }
}

/**
 * The CESU-8 repair as a byte rewrite, a model independent of the codec: `ed a0..af xx ed b0..bf yy` (a surrogate pair
 * as two 3-byte sequences) becomes the 4-byte sequence of its character, any other `ed a0..bf xx` the bytes of U+FFFD.
 */
function repairCesu8(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  const cont = (i: number) => i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0xed && ((bytes[i + 1] ?? 0) & 0xe0) === 0xa0 && cont(i + 1) && cont(i + 2)) {
      const hi = 0xd000 | (((bytes[i + 1] as number) & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f);
      const pair =
        hi < 0xdc00 && bytes[i + 3] === 0xed && ((bytes[i + 4] ?? 0) & 0xf0) === 0xb0 && cont(i + 4) && cont(i + 5);
      if (pair) {
        const lo = 0xd000 | (((bytes[i + 4] as number) & 0x3f) << 6) | ((bytes[i + 5] as number) & 0x3f);
        out.push(...te.encode(String.fromCharCode(hi, lo)));
        i += 5;
      } else {
        out.push(0xef, 0xbf, 0xbd);
        i += 2;
      }
    } else out.push(b);
  }
  return Uint8Array.from(out);
}

describe('built-in UTF-8 (jsUtf8) agrees with the native path', () => {
  it('encoding any UTF-16 string, lone surrogates included', () => {
    fc.assert(
      fc.property(utf16Arb, fc.integer({ min: 1, max: 3 }), (s, repeat) => {
        const text = s.repeat(repeat); // long enough, at times, for the native fast path of `utf8`
        const expected = toHex(te.encode(text));
        expect(toHex(jsUtf8.encode(text))).toBe(expected);
        expect(toHex(utf8.encode(text))).toBe(expected);
        expect(utf8Length(text)).toBe(te.encode(text).length);
      }),
      { numRuns: 2000 },
    );
  });
  it('decoding any bytes: same text as the native decoder after the CESU-8 repair, or both refuse', () => {
    fc.assert(
      fc.property(utf8ishArb, fc.integer({ min: 1, max: 3 }), (b, repeat) => {
        const bytes = concat(...Array.from({ length: repeat }, () => b));
        const expected = decodeOrErr(() => fatal.decode(repairCesu8(bytes)), false);
        expect(decodeOrErr(() => jsUtf8.decode(bytes), true)).toBe(expected);
        expect(decodeOrErr(() => utf8.decode(bytes), true)).toBe(expected);
        expect(decodeOrErr(() => decodeUtf8(concat(new Uint8Array([0x61]), bytes), 1), true)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
  it('round trip of valid strings through the JS codec alone', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(jsUtf8.decode(jsUtf8.encode(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});
