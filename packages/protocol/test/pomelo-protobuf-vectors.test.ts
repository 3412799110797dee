/**
 * Frames recorded from a real pinus 1.7.4 cluster (fixtures/pinus-protobuf.json, recorded by
 * test/pinus/pomelo-protobuf.test.ts): the handshake reply with its `sys.protos`, a protobuf request written by
 * nanokit and accepted by pinus, and pinus' protobuf response and push. Each frame decodes to the recorded value and
 * re-encodes to the recorded bytes, with the protos taken from the recorded handshake.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  type MessageInit,
  parseHandshakeResponse,
} from '../src/index.js';
import { pomeloProtobuf } from '../src/pomelo-protobuf.js';
import { hex, toHex } from './helpers.js';

interface Frame {
  what: string;
  direction: 'client' | 'server';
  route: string;
  value: unknown;
  packet: string;
}
const recording = JSON.parse(readFileSync(new URL('./fixtures/pinus-protobuf.json', import.meta.url), 'utf8')) as {
  handshake: string;
  frames: Frame[];
};

const [handshakePacket] = decodePackets(hex(recording.handshake));
const hs = parseHandshakeResponse(handshakePacket?.body as Uint8Array);
const serializer = pomeloProtobuf();
serializer.onHandshake?.(hs);

describe('pinus 1.7.4 pomelo-protobuf frames (recorded)', () => {
  it('the handshake carries the parsed protos, their version and the dictionary', () => {
    expect(hs.useProto).toBe(true);
    expect(serializer.protosVersion).toMatch(/^[A-Za-z0-9+/]{22}==$/); // base64 MD5
    expect(Object.keys((hs.protos as { server: object }).server)).toEqual(
      expect.arrayContaining(['message Point', 'chat.chatHandler.sendProto', 'onChatProto']),
    );
    expect(hs.dictionary.code('onChatProto')).toBeGreaterThan(0);
  });

  for (const frame of recording.frames) {
    it(`${frame.what}: decodes to the recorded value and re-encodes byte for byte`, () => {
      const [packet] = decodePackets(hex(frame.packet));
      const message = decodeMessage(packet?.body as Uint8Array, hs);
      const value = serializer.decode(frame.route, message.body, message.type);
      expect(value).toEqual(frame.value);
      const body = serializer.encode(frame.route, frame.value, message.type);
      const again = encodeDataPacket({ ...message, route: frame.route, body } as MessageInit, {
        dictionary: hs.dictionary,
      });
      expect(toHex(again)).toBe(toHex(hex(frame.packet)));
    });
  }
});
