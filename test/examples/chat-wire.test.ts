// The chat example speaks nano's chat demo protocol byte for byte: a raw WebSocket client that sends exactly what
// nano's starx page sends (vector V9 of docs/protocol.md for `room.join`) gets the replies and pushes nano's demo gives.
import {
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  type Message,
  MessageType,
  PacketType,
  parseHandshakeResponse,
  RouteDictionary,
} from '@nanokit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';

const hex = (s: string) => Uint8Array.from(s.split(' ').map((b) => Number.parseInt(b, 16)));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A starx-like raw client: handshake + ack, then a queue of decoded data messages. */
async function rawClient(url: string) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const queue: Message[] = [];
  const waiters: (() => void)[] = [];
  let dictionary = new RouteDictionary();
  let handshake: (() => void) | undefined;
  ws.on('message', (data: ArrayBuffer) => {
    for (const packet of decodePackets(new Uint8Array(data))) {
      if (packet.type === PacketType.Handshake) {
        dictionary = parseHandshakeResponse(packet.body).dictionary;
        ws.send(encodePacket(PacketType.HandshakeAck));
        handshake?.();
      } else if (packet.type === PacketType.Data) {
        queue.push(decodeMessage(packet.body, { dictionary }));
        for (const w of waiters.splice(0)) w();
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    handshake = resolve;
    ws.once('error', reject);
    ws.once('open', () => ws.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest())));
  });
  return {
    send: (bytes: Uint8Array) => ws.send(bytes),
    /** The next data message (bounded: the test timeout ends a wait that never completes). */
    async next(): Promise<{ type: MessageType; id: number; route: string; body: string }> {
      while (queue.length === 0) await new Promise<void>((r) => waiters.push(r));
      const m = queue.shift()!;
      return { type: m.type, id: m.id, route: m.route, body: text(m.body) };
    },
    close: () => ws.close(),
  };
}

describe('chat example: wire compatibility with nano examples/demo/chat', () => {
  let chat: ChatServer;
  beforeAll(async () => {
    chat = await startChatServer({ port: 0, quiet: true });
  });
  afterAll(async () => {
    await chat?.close();
  });

  it('room.join, onMembers, onNewUser and room.message exactly like nano', async () => {
    const a = await rawClient(chat.wsUrl);
    // V9: starx.request("room.join", {}) with id 1, byte for byte.
    a.send(hex('04 00 00 0e 00 01 09 72 6f 6f 6d 2e 6a 6f 69 6e 7b 7d'));
    const membersA = await a.next();
    expect(membersA).toMatchObject({ type: MessageType.Push, route: 'onMembers' });
    expect(JSON.parse(membersA.body).members ?? []).toEqual([]); // nano sends null for an empty room
    expect(await a.next()).toEqual({
      type: MessageType.Response,
      id: 1,
      route: '',
      body: '{"code":0,"result":"success"}',
    });

    const b = await rawClient(chat.wsUrl);
    b.send(encodeDataPacket({ type: MessageType.Request, id: 7, route: 'room.join', body: '{}' }));
    const membersB = await b.next();
    expect(membersB.route).toBe('onMembers');
    const [aliceUid] = JSON.parse(membersB.body).members as number[];
    expect(JSON.parse(membersB.body)).toEqual({ members: [aliceUid] });
    expect(await b.next()).toEqual({
      type: MessageType.Response,
      id: 7,
      route: '',
      body: '{"code":0,"result":"success"}',
    });
    const newUser = await a.next();
    expect(newUser.route).toBe('onNewUser');
    expect(newUser.body).toMatch(/^\{"content":"New user: \d+"\}$/);
    expect(JSON.parse(newUser.body).content).not.toBe(`New user: ${aliceUid}`);

    const body = '{"name":"bob","content":"hi 👋 𝄞 ünïcödé"}';
    b.send(encodeDataPacket({ type: MessageType.Notify, route: 'room.message', body }));
    for (const client of [a, b]) {
      expect(await client.next()).toEqual({ type: MessageType.Push, id: 0, route: 'onMessage', body });
    }
    a.close();
    b.close();
  });
});
