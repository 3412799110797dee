/**
 * NanoClient with `serializer: pomeloProtobuf()` and no other setup: the protos come from the handshake (or, on a
 * second connection whose handshake named the cached version, from the handshake cache). The server side is played
 * by the same serializer, which encodes responses and pushes with `protos.server` as pinus does; the live pinus
 * cluster tests are in test/pinus/pinus.test.ts.
 */
import { createHandshakeCache } from '@nanokit/client';
import {
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  encodePacket,
  encodeUtf8,
  type HandshakeResponse,
  MessageType,
  PacketType,
} from '@nanokit/protocol';
import { pomeloProtobuf } from '@nanokit/protocol/pomelo-protobuf';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClient } from './fake-transport.js';

/** `sys.protos` as pinus 1.7.4 sends it for a chat server's protos (parsed form). */
const PROTOS = {
  server: {
    'chat.chatHandler.sendProto': {
      code: { option: 'required', type: 'uInt32', tag: 1 },
      echo: { option: 'required', type: 'string', tag: 2 },
      n: { option: 'optional', type: 'sInt32', tag: 3 },
      __messages: {},
      __tags: { '1': 'code', '2': 'echo', '3': 'n' },
    },
    onChatProto: {
      from: { option: 'required', type: 'string', tag: 1 },
      text: { option: 'required', type: 'string', tag: 2 },
      nums: { option: 'repeated', type: 'uInt32', tag: 3 },
      __messages: {},
      __tags: { '1': 'from', '2': 'text', '3': 'nums' },
    },
  },
  client: {
    'chat.chatHandler.sendProto': {
      text: { option: 'required', type: 'string', tag: 1 },
      n: { option: 'optional', type: 'sInt32', tag: 2 },
      nums: { option: 'repeated', type: 'uInt32', tag: 3 },
      __messages: {},
      __tags: { '1': 'text', '2': 'n', '3': 'nums' },
    },
  },
  version: 'cHJvdG9z',
};

const reply = (withProtos: boolean) =>
  encodeUtf8(
    JSON.stringify({
      code: 200,
      sys: { heartbeat: 3, ...(withProtos ? { protos: PROTOS } : {}), useProto: true },
      user: {},
    }),
  );

/** The server's side: the same codec with the same protos. */
const server = pomeloProtobuf();
server.onHandshake?.({ protos: PROTOS } as unknown as HandshakeResponse);

describe('NanoClient + pomeloProtobuf()', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function connect(fc: ReturnType<typeof fakeClient>, withProtos: boolean) {
    const p = fc.client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fc.ft.last.open();
    fc.ft.last.receive(encodePacket(PacketType.Handshake, reply(withProtos)));
    await p;
  }

  /** Answers the last request the client sent with `body`, encoded by the server side. */
  function answer(fc: ReturnType<typeof fakeClient>, body: object) {
    const sent = fc.ft.last.sent.flatMap((b) => decodePackets(b)).filter((p) => p.type === PacketType.Data);
    const request = decodeMessage((sent[sent.length - 1] as { body: Uint8Array }).body);
    const value = server.decode(request.route, request.body, MessageType.Request);
    const bytes = server.encode(request.route, body, MessageType.Response) as Uint8Array;
    fc.ft.last.receive(encodeDataPacket({ type: MessageType.Response, id: request.id, body: bytes }));
    return { value, bytes: request.body };
  }

  it('request, response and push in pomelo-protobuf with the protos of the handshake; other routes JSON', async () => {
    const fc = fakeClient({ serializer: pomeloProtobuf() });
    await connect(fc, true);
    const pending = fc.client.request('chat.chatHandler.sendProto', { text: 'hi', n: -2, nums: [1, 300] });
    const { value, bytes } = answer(fc, { code: 200, echo: 'hi', n: -2 });
    expect(Array.from(bytes)).toEqual([0x0a, 0x02, 0x68, 0x69, 0x10, 0x03, 0x18, 0x02, 0x01, 0xac, 0x02]);
    expect(value).toEqual({ text: 'hi', n: -2, nums: [1, 300] });
    await expect(pending).resolves.toEqual({ code: 200, echo: 'hi', n: -2 });

    const pushes: unknown[] = [];
    fc.client.on('push', (e) => pushes.push(e));
    const push = { from: 'u1', text: 'yo', nums: [5, 6] };
    const body = server.encode('onChatProto', push, MessageType.Push) as Uint8Array;
    expect(Array.from(body.subarray(body.length - 4))).toEqual([0x18, 0x02, 0x05, 0x06]); // count-prefixed: 18 02 05 06
    fc.ft.last.receive(encodeDataPacket({ type: MessageType.Push, route: 'onChatProto', body }));
    fc.ft.last.receive(encodeDataPacket({ type: MessageType.Push, route: 'onChat', body: '{"a":1}' }));
    expect(pushes).toEqual([
      { route: 'onChatProto', body: push },
      { route: 'onChat', body: { a: 1 } },
    ]);
    fc.client.close();
  });

  it('with a handshake cache, a second connection whose reply leaves the protos out still decodes protobuf pushes', async () => {
    const cache = createHandshakeCache();
    const first = fakeClient({ serializer: pomeloProtobuf(), handshakeCache: cache });
    await connect(first, true);
    first.client.close();
    const second = fakeClient({ serializer: pomeloProtobuf(), handshakeCache: cache });
    await connect(second, false);
    const pushes: unknown[] = [];
    second.client.on('onChatProto', (b) => pushes.push(b));
    const push = { from: 'u1', text: 'yo', nums: [5] };
    const body = server.encode('onChatProto', push, MessageType.Push) as Uint8Array;
    second.ft.last.receive(encodeDataPacket({ type: MessageType.Push, route: 'onChatProto', body }));
    expect(pushes).toEqual([push]);
    second.client.close();
  });

  it('a protobuf body the protos do not describe is an error event, not an empty push', async () => {
    const fc = fakeClient({ serializer: pomeloProtobuf() });
    await connect(fc, true);
    const errors: unknown[] = [];
    const pushes: unknown[] = [];
    fc.client.on('error', (e) => errors.push(e));
    fc.client.on('onChatProto', (b) => pushes.push(b));
    fc.ft.last.receive(
      encodeDataPacket({ type: MessageType.Push, route: 'onChatProto', body: new Uint8Array([0x28, 1]) }),
    );
    expect(pushes).toEqual([]);
    expect((errors[0] as { code: string }).code).toBe('ERR_INVALID_PAYLOAD');
    fc.client.close();
  });
});
