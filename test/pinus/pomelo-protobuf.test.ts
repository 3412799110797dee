// The pomelo-protobuf serializer (@nanokit/protocol/pomelo-protobuf) against the real pinus 1.7.4 cluster, on raw
// packets: the protos come from the live handshake; a request our encoder writes is decoded by pinus (its echo comes
// back in the response and the push); the server's response and push bytes decode with our decoder and re-encode to
// the same bytes. Run with NANOKIT_RECORD_VECTORS=1 to rewrite the recorded frames in
// packages/protocol/test/fixtures/pinus-protobuf.json, which packages/protocol/test/pomelo-protobuf-vectors.test.ts
// replays without a server.

import { writeFileSync } from 'node:fs';
import {
  decodeMessage,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  type HandshakeResponse,
  type Message,
  MessageType,
  PacketType,
  parseHandshakeResponse,
} from '@nanokit/protocol';
import { pomeloProtobuf } from '@nanokit/protocol/pomelo-protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PinusCluster, startPinusCluster } from './cluster.js';
import { type RawConnection, type RawPacket, rawTcp, rawWs } from './raw.js';

const FIXTURE = new URL('../../packages/protocol/test/fixtures/pinus-protobuf.json', import.meta.url);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

let cluster: PinusCluster;

beforeAll(async () => {
  cluster = await startPinusCluster({ heartbeat: 30 });
});

afterAll(async () => {
  await cluster?.stop();
});

/** A raw connection after the handshake, with the reply's bytes, and a serializer that has seen the reply. */
async function open(kind: 'ws' | 'tcp') {
  const conn: RawConnection = kind === 'ws' ? await rawWs(cluster.wsUrl) : await rawTcp(cluster.port);
  conn.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest({ user: { token: 'vectors' } })));
  const reply = await conn.next((p) => p.type === PacketType.Handshake);
  const hs: HandshakeResponse = parseHandshakeResponse(reply.body);
  conn.send(encodePacket(PacketType.HandshakeAck));
  const serializer = pomeloProtobuf();
  serializer.onHandshake?.(hs);
  return { conn, reply, hs, serializer };
}

type Opened = Awaited<ReturnType<typeof open>>;

/** Sends a request; resolves with the packet we sent and the Response packet with its decoded message. */
async function request({ conn, hs, serializer }: Opened, id: number, route: string, value: unknown) {
  const packet = encodeDataPacket(
    { type: MessageType.Request, id, route, body: serializer.encode(route, value, MessageType.Request) },
    { dictionary: hs.dictionary },
  );
  conn.send(packet);
  const response = await conn.next(
    (p) =>
      p.type === PacketType.Data &&
      decodeMessage(p.body, hs).type === MessageType.Response &&
      decodeMessage(p.body, hs).id === id,
  );
  return { sent: packet, response, message: decodeMessage(response.body, hs) };
}

/** The first push on `route` received so far, waiting up to 5 s (it may come before or after the response). */
async function push({ conn, hs }: Opened, route: string): Promise<{ packet: RawPacket; message: Message }> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const packet = conn.packets.find((p) => p.type === PacketType.Data && decodeMessage(p.body, hs).route === route);
    if (packet) return { packet, message: decodeMessage(packet.body, hs) };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no push ${route}`);
}

/** The body of a packet re-built from its message with our encoder: must equal the server's bytes. */
function reencode(s: Opened, message: Message, route: string, value: unknown): Uint8Array {
  return encodeDataPacket(
    { ...message, route, body: s.serializer.encode(route, value, message.type) } as Parameters<
      typeof encodeDataPacket
    >[0],
    { dictionary: s.hs.dictionary },
  );
}

describe.each(['ws', 'tcp'] as const)('pomelo-protobuf with the real pinus over %s', (kind) => {
  it('request, response and push: pinus decodes our bytes, we decode its bytes and re-encode them exactly', async () => {
    const s = await open(kind);
    await run(s);
  });

  it('a backend result with an optional proto field set to undefined is answered without it (the rpc hop drops it)', async () => {
    const s = await open(kind);
    await request(s, 1, 'connector.entryHandler.enter', { uid: `undef-${kind}`, rid: `undef-${kind}` });
    // The fixture's sendProto returns `{ n: msg.n, … }`: without `n` in the request, n is undefined, on which
    // pinus-protobuf's encoder throws; the result crosses rpc to the connector first, which leaves undefined out.
    const { message } = await request(s, 2, 'chat.chatHandler.sendProto', { text: 'no n' });
    const value = s.serializer.decode('chat.chatHandler.sendProto', message.body, MessageType.Response);
    expect(value).toEqual({ code: 200, echo: 'no n' }); // and the empty nums array is not written
    const pushed = await push(s, 'onChatProto');
    expect(s.serializer.decode('onChatProto', pushed.message.body, MessageType.Push)).toEqual({
      from: `undef-${kind}`,
      text: 'no n',
    });
    s.conn.close();
  });

  async function run(s: Opened) {
    expect(s.hs.raw['sys']).toMatchObject({ useProto: true });
    expect(s.serializer.protosVersion).toBe((s.hs.protos as { version: string }).version);
    const route = 'chat.chatHandler.sendProto';
    await request(s, 1, 'connector.entryHandler.enter', { uid: `vectors-${kind}`, rid: `vectors-${kind}` });
    const sentValue = {
      text: 'héllo 😀',
      n: -5,
      nums: [1, 300, 70000],
      path: [
        { x: 1.5, y: -2.25 },
        { x: 0, y: 1e-7 },
      ],
    };
    const { sent, response, message } = await request(s, 2, route, sentValue);
    const pushed = await push(s, 'onChatProto');

    // pinus decoded our request: the handler's echo is in the response and in the push.
    const responseValue = s.serializer.decode(route, message.body, MessageType.Response);
    expect(responseValue).toEqual({ code: 200, echo: sentValue.text, n: -5, nums: [1, 300, 70000] });
    const pushValue = s.serializer.decode('onChatProto', pushed.message.body, MessageType.Push);
    expect(pushValue).toEqual({ from: `vectors-${kind}`, ...sentValue });
    // And its bytes are ours: our encoder writes the server's response and push byte for byte.
    expect(hex(reencode(s, message, route, responseValue))).toBe(hex(encodePacket(PacketType.Data, response.body)));
    expect(hex(reencode(s, pushed.message, 'onChatProto', pushValue))).toBe(
      hex(encodePacket(PacketType.Data, pushed.packet.body)),
    );
    // The push route is compressed (onChatProto is in config/dictionary.json).
    expect(pushed.packet.body[0]).toBe((MessageType.Push << 1) | 1);

    if (process.env['NANOKIT_RECORD_VECTORS'] === '1' && kind === 'ws') {
      const frames = [
        {
          what: `Request id 2 ${route}, written by nanokit and accepted by pinus`,
          direction: 'client',
          route,
          value: sentValue,
          packet: hex(sent),
        },
        {
          what: `its Response, written by pinus`,
          direction: 'server',
          route,
          value: responseValue,
          packet: hex(encodePacket(PacketType.Data, response.body)),
        },
        {
          what: 'Push onChatProto (compressed route), written by pinus',
          direction: 'server',
          route: 'onChatProto',
          value: pushValue,
          packet: hex(encodePacket(PacketType.Data, pushed.packet.body)),
        },
      ];
      const file = {
        source:
          'pinus 1.7.4 cluster of test/pinus (game-server/config/*Protos.json), over WS, recorded by test/pinus/pomelo-protobuf.test.ts with NANOKIT_RECORD_VECTORS=1',
        handshake: hex(encodePacket(PacketType.Handshake, s.reply.body)),
        frames,
      };
      writeFileSync(FIXTURE, `${JSON.stringify(file, null, 2)}\n`);
    }
    s.conn.close();
  }
});
