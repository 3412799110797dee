/**
 * A raw packet connection to the pinus fixture (WS or TCP), for what the client never does on purpose (two packets
 * in one WS message) and for seeing the server's bytes as they are (flags, route codes, echo timing).
 */
import { connect, type Socket } from 'node:net';
import {
  encodeHandshakeRequest,
  encodePacket,
  type HandshakeRequestOptions,
  type HandshakeResponse,
  type Packet,
  PacketReader,
  PacketType,
  parseHandshakeResponse,
} from '@nanokit/protocol';
import { WebSocket } from 'ws';

/** A received packet and when it arrived (`Date.now()`). */
export interface RawPacket extends Packet {
  at: number;
}

export interface RawConnection {
  /** Every packet received so far. */
  readonly packets: RawPacket[];
  /** Writes `bytes` as one WS message (or one TCP write). */
  send(bytes: Uint8Array): void;
  /** The next packet (after those already taken by earlier `next` calls) matching `match`, within `ms`. */
  next(match?: (p: RawPacket) => boolean, ms?: number): Promise<RawPacket>;
  /** Resolves when the server closes the connection: the WS close code, or 0 for TCP. */
  readonly closed: Promise<number>;
  close(): void;
}

function rawConnection(
  write: (bytes: Uint8Array) => void,
  end: () => void,
): {
  conn: RawConnection;
  received: (packets: Packet[]) => void;
  ended: (code: number) => void;
} {
  const packets: RawPacket[] = [];
  let taken = 0;
  let wake = () => {};
  let isClosed = false;
  let ended!: (code: number) => void;
  const closed = new Promise<number>((resolve) => {
    ended = (code) => {
      isClosed = true;
      resolve(code);
      wake();
    };
  });
  const conn: RawConnection = {
    packets,
    send: write,
    close: end,
    closed,
    next: (match = () => true, ms = 5000) =>
      new Promise<RawPacket>((resolve, reject) => {
        const timer = setTimeout(() => {
          wake = () => {};
          reject(new Error(`no matching packet within ${ms} ms`));
        }, ms);
        const look = () => {
          while (taken < packets.length) {
            const p = packets[taken++]!;
            if (match(p)) {
              clearTimeout(timer);
              wake = () => {};
              resolve(p);
              return;
            }
          }
          if (isClosed) {
            clearTimeout(timer);
            wake = () => {};
            reject(new Error('connection closed'));
          }
        };
        wake = look;
        look();
      }),
  };
  return {
    conn,
    received: (list) => {
      const at = Date.now();
      for (const p of list) packets.push({ ...p, at });
      wake();
    },
    ended,
  };
}

/** Opens a raw WS connection; every WS message must hold whole packets (what pinus sends). */
export async function rawWs(url: string): Promise<RawConnection> {
  const ws = new WebSocket(url);
  ws.binaryType = 'nodebuffer';
  const { conn, received, ended } = rawConnection(
    (bytes) => ws.send(bytes),
    () => ws.close(),
  );
  const reader = new PacketReader();
  ws.on('message', (data: Buffer) => received(reader.push(new Uint8Array(data))));
  ws.on('close', (code) => ended(code));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return conn;
}

/** Opens a raw TCP connection (the same client port: pinus' switcher tells TCP from WS by the first bytes). */
export async function rawTcp(port: number): Promise<RawConnection> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  const { conn, received, ended } = rawConnection(
    (bytes) => socket.write(bytes),
    () => socket.destroy(),
  );
  const reader = new PacketReader();
  socket.on('data', (chunk: Buffer) => received(reader.push(chunk)));
  socket.on('close', () => ended(0));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return conn;
}

/** Handshake + HandshakeAck on a raw connection; resolves with the parsed reply. */
export async function rawHandshake(
  conn: RawConnection,
  request: HandshakeRequestOptions = {},
): Promise<HandshakeResponse> {
  conn.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest(request)));
  const reply = await conn.next((p) => p.type === PacketType.Handshake);
  const hs = parseHandshakeResponse(reply.body);
  conn.send(encodePacket(PacketType.HandshakeAck));
  return hs;
}
