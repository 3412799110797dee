// The chat example speaks nano's chat demo protocol byte for byte: a raw WebSocket client that sends exactly what
// nano's starx page sends (vector V9 of docs/protocol.md for `room.join`) gets the replies and pushes nano's demo gives.
import { encodeDataPacket, MessageType } from '@nanokit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';
import { hex, rawClient } from './raw-client.ts';

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
    // The one difference from nano: characters above U+FFFF go out as JSON escapes (server-lite's default serializer),
    // the same string for any JSON parser; nano writes their 4 UTF-8 bytes, which its own demo page (starx-wsclient,
    // whose decoder reads at most 3-byte sequences) garbles.
    const escaped = String.raw`{"name":"bob","content":"hi \ud83d\udc4b \ud834\udd1e ünïcödé"}`;
    for (const client of [a, b]) {
      expect(await client.next()).toEqual({ type: MessageType.Push, id: 0, route: 'onMessage', body: escaped });
    }
    expect(JSON.parse(escaped)).toEqual(JSON.parse(body));
    a.close();
    b.close();
  });
});
