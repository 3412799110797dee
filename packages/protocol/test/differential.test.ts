/**
 * Differential test against pinus-protocol (npm, devDependency; Node `Buffer` based): it decodes our encodings and we
 * decode its encodings, byte-identical both ways, for random messages with ids below 2^31 (pinus uses 32-bit shifts
 * on ids) and for packets.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodePackets,
  encodeMessage,
  encodePacket,
  type MessageType,
  type PacketType,
  RouteDictionary,
} from '../src/index.js';
import { hex, toHex } from './helpers.js';
import { SPEC_PACKETS } from './spec-vectors.js';

interface PinusPacket {
  type: number;
  body: Buffer | null;
}
interface PinusMessage {
  id: number;
  type: number;
  compressRoute: number;
  route: string | number | null;
  body: Buffer;
  compressGzip: number;
}
interface PinusProtocol {
  Package: {
    TYPE_DATA: number;
    encode(type: number, body?: Uint8Array): Buffer;
    decode(buffer: Uint8Array): PinusPacket | PinusPacket[];
  };
  Message: {
    encode(
      id: number,
      type: number,
      compressRoute: boolean,
      route: string | number,
      msg: Buffer,
      gzip?: boolean,
    ): Buffer;
    decode(buffer: Uint8Array): PinusMessage;
  };
}

const pinus = createRequire(import.meta.url)('pinus-protocol') as PinusProtocol;

const te = new TextEncoder();
const routeArb = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', 'Room.Join', 'onMessage', 'é.x', '😀'))
  .filter((r) => te.encode(r).length <= 255);

const messageArb = fc.record({
  type: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<MessageType>,
  id: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(0, 127, 128, 16383, 16384, 2 ** 31 - 1)),
  route: routeArb,
  body: fc.uint8Array({ maxLength: 200 }),
  gzip: fc.boolean(),
  code: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 0xffff })),
});

describe('differential: pinus-protocol', () => {
  it('random messages: identical bytes, and each side decodes the other', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const hasId = m.type === 0 || m.type === 2;
        const hasRoute = m.type !== 2;
        const compressed = hasRoute && m.code >= 0;
        const dictionary = compressed ? new RouteDictionary({ [m.route]: m.code }) : undefined;
        const ours = encodeMessage(
          { type: m.type, id: m.id, route: m.route, body: m.body, gzip: m.gzip },
          { dictionary },
        );
        const theirs = pinus.Message.encode(
          hasId ? m.id : 0,
          m.type,
          compressed,
          compressed ? m.code : m.route,
          Buffer.from(m.body),
          m.gzip,
        );
        expect(toHex(ours)).toBe(toHex(theirs));
        // pinus decodes ours.
        const p = pinus.Message.decode(ours);
        expect(p.type).toBe(m.type);
        expect(p.id).toBe(hasId ? m.id : 0);
        expect(p.compressGzip).toBe(m.gzip ? 1 : 0);
        expect(p.route).toBe(hasRoute ? (compressed ? m.code : m.route) : null);
        expect(toHex(p.body)).toBe(toHex(m.body));
        // we decode theirs.
        const d = decodeMessage(new Uint8Array(theirs), { dictionary });
        expect([d.type, d.id, d.route, d.compressed, d.routeCode, d.gzip]).toEqual([
          m.type,
          hasId ? m.id : 0,
          hasRoute ? m.route : '',
          compressed,
          compressed ? m.code : -1,
          m.gzip,
        ]);
        expect(toHex(d.body)).toBe(toHex(m.body));
      }),
      { numRuns: 1500 },
    );
  });

  it('random packets: identical bytes; pinus decodes ours and we decode theirs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.integer({ min: 1, max: 5 }), body: fc.uint8Array({ maxLength: 100 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        (packets) => {
          const ours = packets.map((p) => encodePacket(p.type as PacketType, p.body));
          const theirs = packets.map((p) => pinus.Package.encode(p.type, Buffer.from(p.body)));
          expect(ours.map(toHex)).toEqual(theirs.map(toHex));
          const frame = Buffer.concat(theirs);
          const decodedByPinus = pinus.Package.decode(new Uint8Array(frame));
          const list = Array.isArray(decodedByPinus) ? decodedByPinus : [decodedByPinus];
          expect(list.map((p) => [p.type, p.body === null ? '' : toHex(p.body)])).toEqual(
            packets.map((p) => [p.type, toHex(p.body)]),
          );
          expect(decodePackets(new Uint8Array(frame)).map((p) => [p.type, toHex(p.body)])).toEqual(
            packets.map((p) => [p.type, toHex(p.body)]),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every packet vector decodes the same with pinus-protocol', () => {
    for (const [name, h] of SPEC_PACKETS) {
      const bytes = hex(h);
      const ours = decodePackets(bytes).map((p) => [p.type, toHex(p.body)]);
      const decoded = pinus.Package.decode(bytes);
      const theirs = (Array.isArray(decoded) ? decoded : [decoded]).map((p) => [
        p.type,
        p.body === null ? '' : toHex(p.body),
      ]);
      expect(theirs, name).toEqual(ours);
    }
  });

  it('where pinus is wrong and we are right: ids from 2^31 on', () => {
    const bytes = encodeMessage({ type: 2, id: 2 ** 32 - 1, body: new Uint8Array([0x7b, 0x7d]) });
    expect(toHex(bytes)).toBe('04 ff ff ff ff 0f 7b 7d');
    expect(decodeMessage(bytes).id).toBe(2 ** 32 - 1);
    expect(pinus.Message.decode(bytes).id).not.toBe(2 ** 32 - 1); // 32-bit shifts
  });
});
