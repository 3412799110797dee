// Hostile or broken servers, over real sockets: the Node `ws` transport refuses a message larger than the protocol's
// largest packet before buffering it, a TCP stream that ends without the client closing it is a drop (1006), never a
// clean 1000, and a response to a request the client has not sent yet is no answer. Hand-written peers: no real
// server sends these on purpose.
import { createServer as createNetServer, type Socket } from 'node:net';
import { type ClientEvents, NanoClient } from '@nanokit/client';
import {
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  encodeHandshakeResponse,
  encodePacket,
  MAX_PACKET_BODY_LENGTH,
  MessageType,
  PACKET_HEADER_LENGTH,
  PacketType,
} from '@nanokit/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const HANDSHAKE = encodePacket(PacketType.Handshake, encodeHandshakeResponse({ heartbeat: 0 }));

/** A ws server that answers the handshake, then hands each connection to `then`. */
async function wsPeer(then: (ws: WebSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.once('message', () => {
      ws.send(HANDSHAKE);
      ws.once('message', () => then(ws)); // the HandshakeAck
    });
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  );
  return `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
}

/** A TCP server that answers the handshake, then hands each socket to `then`. */
async function tcpPeer(then: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    let seen = 0;
    socket.on('data', () => {
      if (++seen === 1) socket.write(HANDSHAKE);
      else if (seen === 2) then(socket); // the HandshakeAck
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function openClient(url: string, maxInFlight?: number, before?: (c: NanoClient) => void) {
  const c = new NanoClient({ url, reconnect: false, ...(maxInFlight ? { maxInFlight } : {}) });
  cleanups.push(() => c.close());
  if (before) before(c);
  const errors: unknown[] = [];
  c.on('error', (e) => errors.push(e));
  const disconnected = new Promise<ClientEvents['disconnect']>((resolve) => c.once('disconnect', resolve));
  await c.connect();
  return { c, errors, disconnected };
}

describe('the ws transport caps incoming messages at the largest legal packet', () => {
  it('a message announcing 90 MiB closes the connection (1009) before its body is sent', async () => {
    let server: WebSocket | undefined;
    const url = await wsPeer((ws) => {
      server = ws;
      // A binary frame header announcing 90 MiB (64-bit length), and not one byte of the body.
      const header = Buffer.alloc(10);
      header[0] = 0x82;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(90 * 1024 * 1024), 2);
      (ws as unknown as { _socket: Socket })._socket.write(header);
    });
    const { errors, disconnected } = await openClient(url);
    expect(await disconnected).toMatchObject({ code: 1009, willReconnect: false });
    expect(server).toBeDefined();
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'ERR_SOCKET',
        cause: expect.objectContaining({ message: 'Max payload size exceeded' }),
      }),
    ]);
  });

  it('one byte over 4 + (2^24 − 1) is refused; exactly that much is a legal packet and is read', async () => {
    const largest = PACKET_HEADER_LENGTH + MAX_PACKET_BODY_LENGTH;
    expect(largest).toBe(16_777_219);
    // A Heartbeat packet with the largest body the 3-byte length can express (its body is ignored).
    const legal = new Uint8Array(largest);
    legal.set([PacketType.Heartbeat, 0xff, 0xff, 0xff]);
    const url = await wsPeer((ws) => {
      ws.send(legal);
      // Delivered only if the legal message did not close the connection.
      ws.send(encodeDataPacket({ type: MessageType.Push, route: 'after', body: '{"n":1}' }));
      ws.send(new Uint8Array(largest + 1));
    });
    const pushes: unknown[] = [];
    const { errors, disconnected } = await openClient(url, undefined, (c) => c.on('after', (b) => pushes.push(b)));
    expect(await disconnected).toMatchObject({ code: 1009 });
    expect(pushes).toEqual([{ n: 1 }]);
    expect(errors).toHaveLength(1); // only the oversized one
  });
});

describe('closing on a server that never answers the close frame', () => {
  it("the ws transport cuts the socket after closeTimeout (1 s), not after ws's 30 s", async () => {
    let cut: Promise<number> | undefined;
    const url = await wsPeer((ws) => {
      // The server stops reading the protocol (and so never answers a close frame), but still sees the socket end.
      const socket = (ws as unknown as { _socket: Socket })._socket;
      socket.removeAllListeners('data');
      socket.on('data', () => {});
      cut = new Promise((resolve) => socket.once('close', () => resolve(performance.now())));
    });
    const { c } = await openClient(url);
    await vi.waitFor(() => expect(cut).toBeDefined());
    const closedAt = performance.now();
    c.close();
    // A deadline, not a speed: 1 s by default against ws's 30 s.
    expect((await cut!) - closedAt).toBeLessThan(10_000);
  });
});

describe('a response to a request still held under maxInFlight', () => {
  it('is no answer: the held request is sent in its turn and gets its own response', async () => {
    const seen: number[] = [];
    const respond = (ws: WebSocket, id: number, body: unknown) =>
      ws.send(encodeDataPacket({ type: MessageType.Response, id, body: JSON.stringify(body) }));
    const url = await wsPeer((ws) => {
      ws.on('message', (data: Buffer) => {
        for (const packet of decodePackets(new Uint8Array(data))) {
          if (packet.type !== PacketType.Data) continue;
          const { id } = decodeMessage(packet.body);
          seen.push(id);
          // Before answering the first request, the peer "answers" the second, which the client still holds.
          if (id === 1) respond(ws, 2, { forged: true });
          respond(ws, id, { answer: id });
        }
      });
    });
    const { c, errors } = await openClient(url, 1);
    const [first, second] = [c.request('R.a', {}), c.request('R.b', {})];
    await expect(first).resolves.toEqual({ answer: 1 });
    await expect(second).resolves.toEqual({ answer: 2 });
    expect(seen).toEqual([1, 2]);
    expect(errors).toEqual([]);
  });
});

describe('a TCP stream that ends without close() is a drop: 1006', () => {
  it.each([
    ['the peer closes (FIN) between packets', (s: Socket) => s.end(), 'closed by the peer'],
    [
      'the peer closes inside a packet',
      (s: Socket) => s.end(Buffer.from([PacketType.Data, 0, 0, 10, 0x04])),
      'closed inside a packet',
    ],
    ['the peer resets the connection', (s: Socket) => s.resetAndDestroy(), 'socket error'],
  ])('%s', async (_, drop, reason) => {
    const url = await tcpPeer(drop);
    const { disconnected } = await openClient(url);
    expect(await disconnected).toEqual({ code: 1006, reason, willReconnect: false });
  });

  it('a reset is also an ERR_SOCKET error event with ECONNRESET as cause', async () => {
    const url = await tcpPeer((s) => s.resetAndDestroy());
    const { errors, disconnected } = await openClient(url);
    await disconnected;
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'ERR_SOCKET', cause: { code: 'ECONNRESET' } });
  });
});
