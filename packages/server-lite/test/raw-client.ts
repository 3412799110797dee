// A deliberately small raw client for the server tests: real ws / TCP sockets plus the protocol codec, no
// @nanokit/client. It can send any bytes, so it can also misbehave.
import { type Socket, connect as tcpConnect } from 'node:net';
import {
  decodeMessage,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  type Message,
  MessageType,
  type Packet,
  PacketReader,
  PacketType,
  parseHandshakeResponse,
  type RouteDictionary,
} from '@nanokit/protocol';
import WebSocket from 'ws';

export interface Closed {
  /** WebSocket close code (1006 without a close frame); undefined for TCP. */
  code: number | undefined;
  reason: string;
}

const WAIT_MS = 5000;

export class RawClient {
  readonly packets: Packet[] = [];
  readonly closed: Promise<Closed>;
  isClosed = false;
  dictionary: RouteDictionary | undefined;
  private waiters: Array<() => void> = [];
  private nextId = 1;
  private readonly write: (bytes: Uint8Array) => void;
  private readonly end: () => void;
  /** The underlying socket, for tests that need to pause reading. */
  readonly tcp: Socket | undefined;
  readonly ws: WebSocket | undefined;

  private constructor(
    write: (bytes: Uint8Array) => void,
    end: () => void,
    closed: Promise<Closed>,
    sockets: { tcp?: Socket; ws?: WebSocket },
  ) {
    this.write = write;
    this.end = end;
    this.closed = closed.then((c) => {
      this.isClosed = true;
      this.wake();
      return c;
    });
    this.tcp = sockets.tcp;
    this.ws = sockets.ws;
  }

  static ws(url: string, headers?: Record<string, string>, options?: WebSocket.ClientOptions): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, headers: headers ?? {}, ...options });
      ws.binaryType = 'nodebuffer';
      let client: RawClient | undefined;
      const closed = new Promise<Closed>((res) => {
        ws.on('close', (code, reason) => res({ code, reason: reason.toString() }));
      });
      ws.on('message', (data: Buffer) => {
        // The server sends one packet per message, but parse generally.
        const reader = new PacketReader({ maxBodyLength: 0xffffff });
        for (const p of reader.push(new Uint8Array(data))) client?.deliver(p);
      });
      ws.on('error', (error) => {
        if (client === undefined) reject(error);
      });
      ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.on('open', () => {
        client = new RawClient(
          (bytes) => ws.send(bytes),
          () => ws.close(),
          closed,
          { ws },
        );
        resolve(client);
      });
    });
  }

  static tcp(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
      const reader = new PacketReader({ maxBodyLength: 0xffffff });
      let client: RawClient | undefined;
      const closed = new Promise<Closed>((res) => socket.on('close', () => res({ code: undefined, reason: '' })));
      socket.on('data', (chunk) => {
        for (const p of reader.push(new Uint8Array(chunk))) client?.deliver(p);
      });
      socket.on('error', (error) => {
        if (client === undefined) reject(error);
      });
      socket.on('connect', () => {
        client = new RawClient(
          (bytes) => socket.write(bytes),
          () => socket.end(),
          closed,
          { tcp: socket },
        );
        resolve(client);
      });
    });
  }

  private deliver(packet: Packet): void {
    this.packets.push({ type: packet.type, body: packet.body.slice() });
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  send(bytes: Uint8Array | number[]): void {
    this.write(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  }

  close(): void {
    this.end();
  }

  /** Takes the first received packet matching `filter` (default: any), waiting up to 5 s. */
  async next(filter: (p: Packet) => boolean = () => true, what = 'a packet'): Promise<Packet> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const i = this.packets.findIndex(filter);
      if (i !== -1) return this.packets.splice(i, 1)[0] as Packet;
      if (this.isClosed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Handshake + ack; returns the parsed reply. */
  async handshake(user?: unknown) {
    this.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest(user === undefined ? {} : { user })));
    const reply = await this.next((p) => p.type === PacketType.Handshake, 'the handshake reply');
    const parsed = parseHandshakeResponse(reply.body);
    this.dictionary = parsed.dictionary;
    this.send(encodePacket(PacketType.HandshakeAck));
    return parsed;
  }

  /** Sends a request with a JSON body; returns its id. */
  request(route: string, body?: unknown, id = this.nextId++): number {
    const payload = body === undefined ? '' : JSON.stringify(body);
    this.send(encodeDataPacket({ type: MessageType.Request, id, route, body: payload }));
    return id;
  }

  notify(route: string, body?: unknown): void {
    const payload = body === undefined ? '' : JSON.stringify(body);
    this.send(encodeDataPacket({ type: MessageType.Notify, route, body: payload }));
  }

  /** The next Data message matching `filter`, decoded. */
  async message(filter: (m: Message) => boolean = () => true, what = 'a message'): Promise<Message> {
    let found: Message | undefined;
    await this.next((p) => {
      if (p.type !== PacketType.Data) return false;
      const m = decodeMessage(p.body, { dictionary: this.dictionary });
      if (!filter(m)) return false;
      found = m;
      return true;
    }, what);
    return found as Message;
  }

  /** The response to request `id`, with its JSON body parsed. */
  async response(id: number): Promise<{ body: unknown; error: boolean; raw: Message }> {
    const m = await this.message((x) => x.type === MessageType.Response && x.id === id, `response ${id}`);
    return { body: JSON.parse(Buffer.from(m.body).toString('utf8')), error: m.error, raw: m };
  }

  /** The next push on `route`, with its JSON body parsed. */
  async push(route: string): Promise<unknown> {
    const m = await this.message((x) => x.type === MessageType.Push && x.route === route, `push ${route}`);
    return JSON.parse(Buffer.from(m.body).toString('utf8'));
  }
}

/** A logger that records everything and prints nothing. */
export function recordingLogger() {
  const entries: Array<{ level: string; message: string; context?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, context?: Record<string, unknown>) => {
    entries.push(context === undefined ? { level, message } : { level, message, context });
  };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
