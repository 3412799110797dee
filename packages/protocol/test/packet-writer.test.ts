/**
 * PacketWriter: byte-identical to the plain encoders, packets carved from shared slabs stay intact forever, large
 * packets get their own buffer, failures leave no trace.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeDataPacket,
  encodeMessage,
  encodePacket,
  MessageType,
  PacketType,
  PacketWriter,
  RouteDictionary,
} from '../src/index.js';
import { expectProtocolError, toHex } from './helpers.js';
import { prng } from './spec-vectors.js';

describe('PacketWriter', () => {
  it('packets from one slab never overwrite each other, across many slab rollovers', () => {
    const writer = new PacketWriter({ slabSize: 256 });
    const random = prng(42);
    const made: Array<[Uint8Array, string]> = [];
    for (let i = 0; i < 2000; i++) {
      const body = 'x'.repeat(Math.floor(random() * 90)) + (random() < 0.2 ? 'é😀' : '');
      const msg = { type: MessageType.Request, id: i, route: `Room.R${i % 7}`, body };
      made.push([writer.encodeDataPacket(msg), toHex(encodeDataPacket(msg))]);
      if (i % 10 === 0) made.push([writer.encodePacket(PacketType.Heartbeat), '03 00 00 00']);
    }
    for (const [bytes, expected] of made) expect(toHex(bytes)).toBe(expected);
    const buffers = new Set(made.map(([b]) => b.buffer));
    expect(buffers.size).toBeGreaterThan(100); // many slabs were used
  });
  it('small packets are views into a slab; large ones are standalone', () => {
    const writer = new PacketWriter({ slabSize: 1024 });
    const a = writer.encodeDataPacket({ type: MessageType.Push, route: 'a', body: '{}' });
    const b = writer.encodeDataPacket({ type: MessageType.Push, route: 'b', body: '{}' });
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + a.length);
    expect(a.buffer.byteLength).toBe(1024);
    const big = writer.encodeDataPacket({ type: MessageType.Push, route: 'big', body: new Uint8Array(300) });
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.length);
    expect(toHex(big)).toBe(
      toHex(encodeDataPacket({ type: MessageType.Push, route: 'big', body: new Uint8Array(300) })),
    );
  });
  it('encodeMessage and encodePacket match the plain functions; the dictionary can be swapped', () => {
    const writer = new PacketWriter();
    const msg = { type: MessageType.Notify, route: 'Room.Join', body: '{"a":1}' };
    expect(toHex(writer.encodeMessage(msg))).toBe(toHex(encodeMessage(msg)));
    const dictionary = new RouteDictionary({ 'Room.Join': 1 });
    writer.dictionary = dictionary;
    expect(toHex(writer.encodeMessage(msg))).toBe('03 00 01 7b 22 61 22 3a 31 7d');
    expect(toHex(writer.encodePacket(PacketType.Kick, new Uint8Array([0x7b, 0x7d])))).toBe(
      toHex(encodePacket(PacketType.Kick, new Uint8Array([0x7b, 0x7d]))),
    );
    expect(new PacketWriter({ dictionary }).dictionary).toBe(dictionary);
  });
  it('the route remembered from the last message follows the dictionary in force', () => {
    const writer = new PacketWriter();
    const msg = (route: string) => ({ type: MessageType.Notify, route, body: '' });
    const codeOf = (route: string) => toHex(writer.encodeMessage(msg(route)));
    writer.dictionary = new RouteDictionary({ 'Room.Join': 1, 'Room.Leave': 2 });
    expect(codeOf('Room.Join')).toBe('03 00 01');
    expect(codeOf('Room.Join')).toBe('03 00 01');
    expect(codeOf('Room.Leave')).toBe('03 00 02');
    // A new connection's dictionary numbers the same route differently, or not at all.
    writer.dictionary = new RouteDictionary({ 'Room.Leave': 7 });
    expect(codeOf('Room.Leave')).toBe('03 00 07');
    writer.dictionary = new RouteDictionary({ 'Room.Join': 3 });
    expect(codeOf('Room.Leave')).toBe(toHex(encodeMessage(msg('Room.Leave'))));
    writer.dictionary = undefined;
    expect(codeOf('Room.Join')).toBe(toHex(encodeMessage(msg('Room.Join'))));
  });
  it('a failed encode leaves earlier packets and the next one intact', () => {
    const writer = new PacketWriter({ slabSize: 2048 });
    const first = writer.encodeDataPacket({ type: MessageType.Push, route: 'p', body: 'one' });
    // 86 CJK characters: under 256 UTF-16 units, 258 UTF-8 bytes: refused after writing into the slab.
    expectProtocolError(
      () => writer.encodeDataPacket({ type: MessageType.Push, route: '加'.repeat(86) }),
      'ERR_ROUTE_TOO_LONG',
    );
    const second = writer.encodeDataPacket({ type: MessageType.Push, route: 'p', body: 'two' });
    expect(toHex(first)).toBe(toHex(encodeDataPacket({ type: MessageType.Push, route: 'p', body: 'one' })));
    expect(toHex(second)).toBe(toHex(encodeDataPacket({ type: MessageType.Push, route: 'p', body: 'two' })));
    expect(second.byteOffset).toBe(first.byteOffset + first.length);
  });
  it('options: maxBodyLength (clamped to 24 bits) and slabSize', () => {
    expect(new PacketWriter().maxBodyLength).toBe(0xffffff);
    expect(new PacketWriter({ maxBodyLength: 2 ** 30 }).maxBodyLength).toBe(0xffffff);
    expect(new PacketWriter().slabSize).toBe(16384);
    expectProtocolError(() => new PacketWriter({ slabSize: 100.5 }), 'ERR_INVALID_ARGUMENT');
  });
});
