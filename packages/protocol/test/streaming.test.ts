/**
 * PacketReader on split streams: every vector (V1–V30) fed whole, byte by byte and in seeded random splits gives the same
 * packets; bad headers fail as soon as their 4th byte arrives; tiny bodies never stall (V30); errors poison the reader.
 */
import { describe, expect, it } from 'vitest';
import {
  decodePackets,
  MAX_PACKET_BODY_LENGTH,
  type Packet,
  PacketReader,
  type PacketSink,
  PacketType,
  scanPackets,
  throwPacketError,
} from '../src/index.js';
import { loadNanoRecording } from './fixtures/nano-recording.js';
import { concat, expectProtocolError, hex, toHex } from './helpers.js';
import { prng, SPEC_PACKETS } from './spec-vectors.js';

type Seen = Array<[number, string]>;

/** Feeds `chunks` and returns the packets as [type, hex body], bodies copied at once. */
function feed(
  chunks: readonly Uint8Array[],
  reader = new PacketReader({ maxBodyLength: MAX_PACKET_BODY_LENGTH }),
): Seen {
  const out: Seen = [];
  for (const chunk of chunks) for (const p of reader.push(chunk)) out.push([p.type, toHex(p.body)]);
  expect(reader.bufferedBytes).toBe(0);
  return out;
}

const whole = (bytes: Uint8Array): Seen =>
  decodePackets(bytes, { maxBodyLength: MAX_PACKET_BODY_LENGTH }).map((p) => [p.type, toHex(p.body)]);

function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** Splits `bytes` at random points; empty chunks included now and then. */
function randomSplit(bytes: Uint8Array, random: () => number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = random() < 0.1 ? 0 : 1 + Math.floor(random() * Math.min(bytes.length - i, random() < 0.5 ? 8 : 200));
    chunks.push(bytes.slice(i, i + n));
    i += n;
  }
  return chunks;
}

const allVectors = concat(...SPEC_PACKETS.map(([, h]) => hex(h)));

describe('every vector, whole / byte by byte / random splits', () => {
  for (const [name, h] of SPEC_PACKETS) {
    it(name, () => {
      const bytes = hex(h);
      const expected = whole(bytes);
      expect(expected.length).toBeGreaterThan(0);
      expect(feed([bytes])).toEqual(expected);
      expect(feed(byteByByte(bytes))).toEqual(expected);
      const random = prng(bytes.length * 7919);
      for (let r = 0; r < 20; r++) expect(feed(randomSplit(bytes, random))).toEqual(expected);
    });
  }
  it('all vectors as one stream, byte by byte and in 200 seeded random splits', () => {
    const expected = whole(allVectors);
    expect(expected.length).toBe(SPEC_PACKETS.length + 1); // V20 holds two packets
    expect(feed(byteByByte(allVectors))).toEqual(expected);
    for (let seed = 1; seed <= 200; seed++) expect(feed(randomSplit(allVectors, prng(seed)))).toEqual(expected);
  });
  it('the real server streams, re-split at random, give the same packets', () => {
    const recording = loadNanoRecording();
    let streams = 0;
    for (const s of recording.scenarios) {
      for (const key of ['A C>S', 'A S>C', 'B C>S', 'B S>C']) {
        const frames = s.steps.filter((st) => st.hex !== undefined && `${st.conn} ${st.dir}` === key);
        if (frames.length === 0) continue;
        const stream = concat(...frames.map((f) => hex(f.hex as string)));
        const expected = whole(stream);
        expect(feed(randomSplit(stream, prng(stream.length)))).toEqual(expected);
        streams++;
      }
    }
    expect(streams).toBe(34); // every connection and direction of the 12 scenarios
  });
});

describe('errors at the header, before the body', () => {
  it.each([
    ['unknown type 06', '06 00 00 05', 'ERR_UNKNOWN_PACKET_TYPE'],
    ['unknown type 00', '00 00 00 00', 'ERR_UNKNOWN_PACKET_TYPE'],
    ['oversized 65 537', '04 01 00 01', 'ERR_PACKET_TOO_LARGE'],
    ['oversized 16 MiB', '04 ff ff ff', 'ERR_PACKET_TOO_LARGE'],
  ])('%s: nothing on bytes 1–3, the error on byte 4, no body needed', (_name, h, code) => {
    const bytes = hex(h);
    const reader = new PacketReader();
    expect(reader.push(bytes.subarray(0, 1))).toEqual([]);
    expect(reader.push(bytes.subarray(1, 3))).toEqual([]);
    expect(reader.bufferedBytes).toBe(3);
    expectProtocolError(() => reader.push(bytes.subarray(3, 4)), code);
  });
  it('after good packets in the same chunk: read() delivers them first, then throws', () => {
    const reader = new PacketReader();
    const seen: number[] = [];
    const chunk = hex('03 00 00 00 | 04 00 00 02 02 00 | 07 00 00 00 | 03 00 00 00');
    expectProtocolError(() => reader.read(chunk, (p) => seen.push(p.type)), 'ERR_UNKNOWN_PACKET_TYPE');
    expect(seen).toEqual([PacketType.Heartbeat, PacketType.Data]);
  });
  it('a poisoned reader rethrows the same error until reset()', () => {
    const reader = new PacketReader({ maxBodyLength: 10 });
    const first = expectProtocolError(() => reader.push(hex('04 00 00 0b')), 'ERR_PACKET_TOO_LARGE');
    let again: unknown;
    try {
      reader.push(hex('03 00 00 00'));
    } catch (e) {
      again = e;
    }
    expect(again).toBe(first);
    expect(() => reader.read(new Uint8Array(0), () => {})).toThrow(first);
    reader.reset();
    expect(reader.push(hex('03 00 00 00')).map((p) => p.type)).toEqual([PacketType.Heartbeat]);
  });
  it('the limit is inclusive and configurable', () => {
    const reader = new PacketReader({ maxBodyLength: 3 });
    expect(reader.maxBodyLength).toBe(3);
    expect(reader.push(hex('04 00 00 03 06 01 70')).length).toBe(1);
    expectProtocolError(() => reader.push(hex('04 00 00 04')), 'ERR_PACKET_TOO_LARGE');
    expect(new PacketReader().maxBodyLength).toBe(65536);
  });
});

describe('V30: no stall on 1–3 byte bodies', () => {
  it('04 00 00 02 then 02 00 gives the notify at once (nano waits for the next packet)', () => {
    const reader = new PacketReader();
    expect(reader.push(hex('04 00 00 02'))).toEqual([]);
    const [p] = reader.push(hex('02 00'));
    expect(p?.type).toBe(PacketType.Data);
    expect(toHex(p?.body ?? new Uint8Array())).toBe('02 00');
    expect(reader.push(hex('03 00 00 00')).length).toBe(1);
  });
  for (const length of [1, 2, 3]) {
    it(`a ${length}-byte body split at every position`, () => {
      const packet = concat(hex(`04 00 00 0${length}`), new Uint8Array(length).fill(0x02));
      for (let cut = 1; cut < packet.length; cut++) {
        const reader = new PacketReader();
        const first = reader.push(packet.subarray(0, cut));
        expect(first).toEqual([]);
        const second = reader.push(packet.subarray(cut));
        expect(second.length).toBe(1);
        expect(second[0]?.body.length).toBe(length);
      }
    });
  }
  it('an empty-body packet at the very end of a chunk is emitted immediately', () => {
    const reader = new PacketReader();
    expect(reader.push(hex('04 00 00 01 0c | 03')).length).toBe(1);
    expect(reader.push(hex('00 00 00')).map((p) => p.type)).toEqual([PacketType.Heartbeat]);
  });
});

describe('memory follows the bytes received, not the length announced', () => {
  // Off-heap bytes held by typed arrays in this process (the test files run in their own processes).
  const arrayBuffers = () => process.memoryUsage().arrayBuffers;

  it('1000 readers fed a bare header announcing 65 536 bytes hold almost nothing (was 64 KiB each)', () => {
    const header = hex('01 01 00 00');
    const readers: PacketReader[] = [];
    const before = arrayBuffers();
    for (let i = 0; i < 1000; i++) {
      const reader = new PacketReader();
      expect(reader.push(header)).toEqual([]);
      readers.push(reader);
    }
    const afterHeaders = arrayBuffers() - before;
    // One body byte each: a buffer of 1 KiB, not of 64 KiB.
    for (const reader of readers) expect(reader.push(hex('7b'))).toEqual([]);
    const afterOneByte = arrayBuffers() - before;
    expect(readers.every((r) => r.bufferedBytes === 1)).toBe(true);
    // The old reader allocated 62.5 MiB here; allow for unrelated noise, far below that.
    expect(afterHeaders).toBeLessThan(1024 * 1024);
    expect(afterOneByte).toBeLessThan(3 * 1024 * 1024);
  });

  it('a 65 536-byte body trickled in random pieces comes out whole and exactly sized', () => {
    const body = new Uint8Array(65536).map((_, i) => (i * 7919) & 0xff);
    const stream = concat(hex('04 01 00 00'), body, hex('03 00 00 00'));
    for (let seed = 1; seed <= 5; seed++) {
      const reader = new PacketReader();
      const packets: Packet[] = [];
      for (const piece of randomSplit(stream, prng(seed))) packets.push(...reader.push(piece));
      expect(packets.map((p) => p.type)).toEqual([PacketType.Data, PacketType.Heartbeat]);
      const got = packets[0]?.body ?? new Uint8Array();
      expect(got.byteLength).toBe(65536);
      expect(got.buffer.byteLength).toBe(65536); // no slack kept alive behind the body
      expect(toHex(got.subarray(0, 64))).toBe(toHex(body.subarray(0, 64)));
      expect(got.every((b, i) => b === body[i])).toBe(true);
      expect(reader.bufferedBytes).toBe(0);
    }
  });

  it('reset() in the middle of a spanning body drops it', () => {
    const reader = new PacketReader();
    reader.push(hex('04 00 01 00 | 02 00'));
    expect(reader.bufferedBytes).toBe(2);
    reader.reset();
    expect(reader.bufferedBytes).toBe(0);
    expect(reader.push(hex('04 00 00 02 02 00')).map((p) => toHex(p.body))).toEqual(['02 00']);
  });
});

describe('body ownership', () => {
  it('a body inside one chunk is a view of it; a body spanning chunks is a fresh copy', () => {
    const reader = new PacketReader();
    const chunk = hex('04 00 00 02 02 00');
    const [inside] = reader.push(chunk) as [Packet];
    expect(inside.body.buffer).toBe(chunk.buffer);
    const a = hex('04 00 00 03 06');
    const b = hex('01 70');
    reader.push(a);
    const [spanning] = reader.push(b) as [Packet];
    expect(spanning.body.buffer).not.toBe(a.buffer);
    expect(spanning.body.buffer).not.toBe(b.buffer);
    b.fill(0);
    expect(toHex(spanning.body)).toBe('06 01 70');
  });
});

describe('scanPackets: the one header parser', () => {
  const collect = (): PacketSink & { seen: Seen } => {
    const seen: Seen = [];
    return {
      seen,
      onPacket(type, body) {
        seen.push([type, toHex(body)]);
      },
    };
  };

  it('delivers whole packets in place and stops at a partial header, a partial body or a bad header', () => {
    const good = hex('03 00 00 00 04 00 00 02 01 02');
    for (const [tail, why] of [
      ['04 00', 'partial header'],
      ['04 00 00 03 01', 'partial body'],
      ['09 00 00 00', 'unknown type'],
      ['04 00 01 00', 'over the limit'],
    ] as const) {
      const sink = collect();
      const bytes = concat(good, hex(tail));
      expect(scanPackets(bytes, 0, 255, sink), why).toBe(good.length);
      expect(sink.seen).toEqual([
        [3, ''],
        [4, '01 02'],
      ]);
    }
    const sink = collect();
    expect(scanPackets(good, 4, 255, sink)).toBe(good.length);
    expect(sink.seen).toEqual([[4, '01 02']]);
  });

  it('throwPacketError explains where and why scanning stopped', () => {
    const good = hex('03 00 00 00 04 00 00 02 01 02');
    for (const [tail, code, message] of [
      ['04 00', 'ERR_TRUNCATED_PACKET', 'header at 10'],
      ['04 00 00 03 01', 'ERR_TRUNCATED_PACKET', 'body at 14'],
      ['09 00 00 00', 'ERR_UNKNOWN_PACKET_TYPE', 'packet type 9'],
      ['04 00 01 00', 'ERR_PACKET_TOO_LARGE', '256 > 255'],
    ] as const) {
      const bytes = concat(good, hex(tail));
      const end = scanPackets(bytes, 0, 255, collect());
      const error = expectProtocolError(() => throwPacketError(bytes, end, 255), code);
      expect(error.message).toContain(message);
      // decodePackets fails the same way on the same bytes.
      expectProtocolError(() => decodePackets(bytes, { maxBodyLength: 255 }), code);
    }
  });

  it('readTo() gives the same packets as read(), for whole and split streams', () => {
    const stream = allVectors;
    for (const chunks of [[stream], byteByByte(stream)]) {
      const sink = collect();
      const reader = new PacketReader({ maxBodyLength: MAX_PACKET_BODY_LENGTH });
      for (const chunk of chunks) reader.readTo(chunk, sink);
      expect(sink.seen).toEqual(feed(chunks));
    }
  });
});
