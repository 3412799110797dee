// A starx-like raw WebSocket client for the examples' wire tests: it sends exactly the bytes it is given and hands
// back every data message, decoded, in order.
import {
  decodeMessage,
  decodePackets,
  encodeHandshakeRequest,
  encodePacket,
  type Message,
  type MessageType,
  PacketType,
  parseHandshakeResponse,
  RouteDictionary,
} from '@nanokit/protocol';
import WebSocket from 'ws';

export const hex = (s: string) => Uint8Array.from(s.split(' ').map((b) => Number.parseInt(b, 16)));
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A starx-like raw client: handshake + ack, then a queue of decoded data messages. */
export async function rawClient(url: string) {
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
    /** Data messages received and not yet taken with next(). */
    queued: () => queue.length,
    close: () => ws.close(),
  };
}
