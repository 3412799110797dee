/** A transport wrapper that records what the client writes and receives, and a polling helper for live tests. */
import { decodePackets, encodePacket, type Packet, type PacketType } from '@nanokit/protocol';
import type { TransportFactory } from '../../packages/client/src/transport.js';
import { nodeTransport } from '../../packages/client/src/transports/node-default.js';

/** What one connection of a tapped client wrote and received. */
export interface Tap {
  /** Every `send()` of the client: one WS message (or one TCP write) each. */
  readonly sent: Uint8Array[];
  /** The type of each packet in `sent`, with when it was written (`Date.now()`). */
  readonly sentAt: { type: PacketType; at: number }[];
  /** Every `onMessage` the transport delivered; a stream transport's `onPacket`s, one packet each. */
  readonly received: Uint8Array[];
  receivedPackets(): Packet[];
}

/** Decodes one write of the client into its packets. */
export function sentPackets(bytes: Uint8Array): Packet[] {
  return decodePackets(bytes);
}

/** The Node default transport (ws for ws://, TCP for tcp://), recording into a new {@link Tap} per connection. */
export function tap(taps: Tap[], inner: TransportFactory = nodeTransport()): TransportFactory {
  return (options, handlers) => {
    const t: Tap = {
      sent: [],
      sentAt: [],
      received: [],
      receivedPackets: () => t.received.flatMap((bytes) => decodePackets(bytes)),
    };
    taps.push(t);
    // Each handler forwarded as a method call: the client's handler set is a class instance, which a spread would not copy.
    const transport = inner(options, {
      onOpen: () => handlers.onOpen(),
      onClose: (info) => handlers.onClose(info),
      onError: (error) => handlers.onError?.(error),
      onMessage: (data) => {
        t.received.push(data.slice());
        handlers.onMessage(data);
      },
      onPacket: (type, body) => {
        t.received.push(encodePacket(type, body));
        handlers.onPacket(type, body);
      },
    });
    return {
      send: (data) => {
        t.sent.push(data.slice());
        for (const p of decodePackets(data)) t.sentAt.push({ type: p.type, at: Date.now() });
        return transport.send(data);
      },
      close: (code, reason) => transport.close(code, reason),
    };
  };
}

/** Resolves once `check()` is true; rejects after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
